package dev.chorus.opskit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tool's command line: positional words, then {@code --name value} pairs from a known set, any of them
 * repeatable. A value is never guessed: an unknown option, a missing value or a malformed number is an error that
 * names it.
 */
final class ToolOptions {

    private final List<String> positional = new ArrayList<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private ToolOptions() {
    }

    static ToolOptions parse(Set<String> known, String... argv) {
        ToolOptions options = new ToolOptions();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) {
                options.positional.add(argv[i]);
                continue;
            }
            String name = argv[i].substring(2);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option " + argv[i] + " (known: --" + String.join(", --", known) + ")");
            }
            if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            options.values.computeIfAbsent(name, k -> new ArrayList<>()).add(argv[++i]);
        }
        return options;
    }

    List<String> positional() {
        return List.copyOf(positional);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String text(String name, String fallback) {
        List<String> given = all(name);
        return given.isEmpty() ? fallback : given.getLast();
    }

    String required(String name) {
        String value = text(name, null);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    /** Seconds, as a plain number ("90", "2.5") or with an s suffix ("90s"); positive. */
    Duration seconds(String name, Duration fallback) {
        String value = text(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            double s = Double.parseDouble(value.endsWith("s") ? value.substring(0, value.length() - 1) : value);
            if (!(s > 0) || s > 86_400) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.round(s * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number of seconds between 0 and 86400, not '" + value + "'");
        }
    }

    long count(String name, long fallback) {
        String value = text(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number of at least 0, not '" + value + "'");
        }
    }

    /** A fraction in [0, 1], written as 0.02 or 2%. */
    double fraction(String name, double fallback) {
        String value = text(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            double f = value.endsWith("%") ? Double.parseDouble(value.substring(0, value.length() - 1)) / 100 : Double.parseDouble(value);
            if (!(f >= 0 && f <= 1)) {
                throw new NumberFormatException();
            }
            return f;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a fraction between 0 and 1 (or a percentage), not '" + value + "'");
        }
    }
}
