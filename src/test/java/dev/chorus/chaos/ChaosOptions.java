package dev.chorus.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The chaos command line: {@code SCENARIO [--rate R] [--duration S] [--fault-at S] [--outage S]
 * [--subscribers-per-instance N] [--groups G]}. The fault starts {@code --fault-at} seconds into the load; outages
 * (redis-outage, postgres-restart, partition) last {@code --outage} seconds (default 20, 10 for postgres-restart).
 * The load lasts {@code --duration} seconds, and at least until 10 s after the fault ended, so that recovery shows.
 * Everything is bounded: the rate by 5,000 msg/s, the duration and the outage by 600 s.
 */
record ChaosOptions(Scenario scenario, int rate, int durationS, int faultAtS, int outageS, int subscribersPerInstance,
        int groups) {

    /** How long the load goes on after the fault has ended. */
    static final Duration TAIL = Duration.ofSeconds(10);

    private static final Set<String> KNOWN = Set.of("rate", "duration", "fault-at", "outage", "subscribers-per-instance", "groups");

    static ChaosOptions parse(String... argv) {
        if (argv.length == 0 || argv[0].startsWith("-")) {
            throw new IllegalArgumentException("name a scenario first: " + Scenario.labels());
        }
        Scenario scenario = Scenario.of(argv[0]);
        Map<String, String> args = new HashMap<>();
        for (int i = 1; i < argv.length; i++) {
            String name = argv[i].startsWith("--") ? argv[i].substring(2) : "";
            if (!KNOWN.contains(name) || i + 1 >= argv.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + argv[i]);
            }
            if (args.put(name, argv[++i]) != null) {
                throw new IllegalArgumentException("--" + name + " given twice");
            }
        }
        if (args.containsKey("outage") && !scenario.isOutage()) {
            throw new IllegalArgumentException(scenario.label() + " has no outage to set the length of");
        }
        int duration = number(args, "duration", 20, 1, 600);
        int outageDefault = scenario == Scenario.POSTGRES_RESTART ? 10 : 20;
        return new ChaosOptions(scenario, number(args, "rate", 200, 1, 5000), duration,
                number(args, "fault-at", Math.min(5, duration / 4), 0, 600), number(args, "outage", outageDefault, 1, 600),
                number(args, "subscribers-per-instance", 2, 1, 50), number(args, "groups", 4, 1, 100));
    }

    Duration outage() {
        return Duration.ofSeconds(outageS);
    }

    private static int number(Map<String, String> args, String name, int fallback, int min, int max) {
        String value = args.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new IllegalArgumentException("--" + name + " must be between " + min + " and " + max + ", not " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not '" + value + "'");
        }
    }
}
