package dev.chorus.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fan-out benchmark's command line: {@code --url} (the balancer; every socket goes through it) or {@code --urls}
 * (instances, connected directly and in turn), the cluster's shape for the report ({@code --instances}), the
 * workload ({@code --subscribers --groups --publishers --rate --duration --warmup}, seconds) and the ramp
 * ({@code --ramp}, {@code --step}, {@code --max-rate}, {@code --p99-ms}). With {@code --kafka-metrics} (the
 * instances' /metrics URLs) the cluster runs the Kafka pipeline and the report adds its consumer lag at the end.
 */
record BenchOptions(List<String> urls, boolean viaBalancer, int instances, int subscribers, int groups,
        int publishers, int rate, int durationS, int warmupS, boolean ramp, int step, int maxRate,
        double p99LimitMs, List<String> kafkaMetrics) {

    private static final Set<String> KNOWN = Set.of("url", "urls", "instances", "subscribers", "groups",
            "publishers", "rate", "duration", "warmup", "step", "max-rate", "p99-ms", "kafka-metrics");

    static BenchOptions parse(String... argv) {
        Map<String, String> args = new HashMap<>();
        boolean ramp = false;
        for (int i = 0; i < argv.length; i++) {
            String name = argv[i].replaceFirst("^--", "");
            if (name.equals("ramp")) {
                ramp = true;
            } else if (KNOWN.contains(name) && i + 1 < argv.length) {
                args.put(name, argv[++i]);
            } else {
                throw new IllegalArgumentException("unknown option or missing value: " + argv[i]);
            }
        }
        if (args.containsKey("url") == args.containsKey("urls")) {
            throw new IllegalArgumentException("give either --url (the balancer) or --urls (instances)");
        }
        boolean viaBalancer = args.containsKey("url");
        List<String> urls = Arrays.asList(args.getOrDefault("url", args.get("urls")).split(","));
        if (viaBalancer && !args.containsKey("instances")) {
            throw new IllegalArgumentException("--url needs --instances (how many instances are behind it)");
        }
        return new BenchOptions(urls, viaBalancer, number(args, "instances", urls.size()),
                number(args, "subscribers", 1000), number(args, "groups", 100), number(args, "publishers", 30),
                number(args, "rate", 1000), number(args, "duration", 30), number(args, "warmup", 60), ramp,
                number(args, "step", 500), number(args, "max-rate", 10_000),
                Double.parseDouble(args.getOrDefault("p99-ms", "50")),
                args.containsKey("kafka-metrics") ? Arrays.asList(args.get("kafka-metrics").split(",")) : List.of());
    }

    /** Tags the steps can take: 0 is the warm-up, then one per rate the ramp may reach (or the one fixed run). */
    int stepTags() {
        return 1 + (ramp ? (Math.max(rate, maxRate) - rate) / step + 1 : 1);
    }

    RampRule rule() {
        return new RampRule(rate, step, Math.max(rate, maxRate), p99LimitMs);
    }

    private static int number(Map<String, String> args, String name, int fallback) {
        int value = args.containsKey(name) ? Integer.parseInt(args.get(name)) : fallback;
        if (value < 0 || (value == 0 && !name.equals("warmup"))) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
        return value;
    }
}
