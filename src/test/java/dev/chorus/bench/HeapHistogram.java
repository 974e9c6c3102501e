package dev.chorus.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A class histogram of live objects as {@code jcmd PID GC.class_histogram} prints it (the command runs a full GC
 * first, so its total is the heap in use by live objects, to the byte), and what grew between two of them.
 */
public record HeapHistogram(long totalBytes, Map<String, Long> bytesByClass, Map<String, Long> instancesByClass) {

    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");
    private static final Pattern TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)\\s*$");

    /** One class's growth between two histograms. */
    record Growth(String className, long bytes, long instances) {
    }

    public static HeapHistogram parse(String jcmdOutput) {
        Map<String, Long> bytes = new HashMap<>();
        Map<String, Long> instances = new HashMap<>();
        long total = -1;
        for (String line : jcmdOutput.split("\n")) {
            Matcher row = ROW.matcher(line);
            Matcher sum = TOTAL.matcher(line.trim());
            if (row.matches()) {
                bytes.merge(row.group(3), Long.parseLong(row.group(2)), Long::sum);
                instances.merge(row.group(3), Long.parseLong(row.group(1)), Long::sum);
            } else if (sum.matches()) {
                total = Long.parseLong(sum.group(2));
            }
        }
        if (total < 0) {
            throw new IllegalArgumentException("no Total line in the class histogram: " + head(jcmdOutput));
        }
        return new HeapHistogram(total, bytes, instances);
    }

    /** The classes that grew most from {@code before} to this one, largest first. */
    List<Growth> grownSince(HeapHistogram before, int top) {
        List<Growth> grown = new ArrayList<>();
        bytesByClass.forEach((name, now) -> {
            long delta = now - before.bytesByClass.getOrDefault(name, 0L);
            long count = instancesByClass.get(name) - before.instancesByClass.getOrDefault(name, 0L);
            if (delta > 0) {
                grown.add(new Growth(name, delta, count));
            }
        });
        grown.sort(Comparator.comparingLong(Growth::bytes).reversed());
        return grown.subList(0, Math.min(top, grown.size()));
    }

    /** The growth per socket, for the JSON line: class → bytes and instances per socket. */
    static Map<String, Object> perSocket(List<Growth> grown, int sockets) {
        Map<String, Object> rows = new LinkedHashMap<>();
        for (Growth g : grown) {
            rows.put(g.className(), Map.of("bytesPerSocket", Math.round((double) g.bytes() / Math.max(1, sockets)),
                    "instancesPerSocket", Math.round(100.0 * g.instances() / Math.max(1, sockets)) / 100.0));
        }
        return rows;
    }

    private static String head(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
