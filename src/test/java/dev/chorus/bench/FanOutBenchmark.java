package dev.chorus.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/**
 * WebSocket fan-out benchmark (a program, not a test; {@code bin/chorus bench ws} runs it). Subscribers spread over
 * groups, publishers send {@code send} frames; every socket goes through the balancer ({@code --url}) as in a
 * deployment. After a warm-up at the start rate, either one step at {@code --rate} (mode "fixed") or, with
 * {@code --ramp}, steps at rate, rate + step, ... up to {@code --max-rate}, stopping at the first that fails (p99
 * at or over {@code --p99-ms}, any loss, unacknowledged send or closed socket). Prints one JSON line on stdout.
 * Latency is send frame built → message frame received, both in this JVM.
 *
 * <pre>bin/chorus bench ws --subscribers 1000 --groups 100 --ramp --rate 1000 --step 500</pre>
 */
public final class FanOutBenchmark {

    /** SPEC's default per-user socket limit (WS_MAX_SOCKETS_PER_USER): the layout never asks for more. */
    private static final int SOCKETS_PER_USER = 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final BenchOptions options;
    private final FanOutLayout layout;

    private FanOutBenchmark(BenchOptions options) {
        this.options = options;
        this.layout = new FanOutLayout(options.subscribers(), options.groups(), options.publishers(), SOCKETS_PER_USER);
    }

    public static void main(String[] argv) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("bench ws: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            System.out.println(JSON.writeValueAsString(new FanOutBenchmark(options).run()));
            System.exit(0);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private Map<String, Object> run() throws InterruptedException {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        BenchLog.say("creating " + (layout.publisherUsers() + layout.subscriberUsers()) + " users and "
                + layout.groups() + " groups");
        FanOutFixture fixture = FanOutFixture.create(new BenchApi(options.urls().getFirst()), layout, runId);
        Map<String, Integer> groupIndex = new HashMap<>();
        fixture.groupIds().forEach(id -> groupIndex.put(id, groupIndex.size()));
        Steps steps = new Steps(options.stepTags(), layout.groups());
        try (BenchSockets sockets = new BenchSockets(options.urls())) {
            BenchLog.say("opening " + layout.subscribers() + " subscribers and " + layout.publishers() + " publishers");
            sockets.openSubscribers(layout, fixture, steps);
            List<Publisher> publishers = sockets.openPublishers(layout, fixture, steps, groupIndex);
            StepRunner runner = new StepRunner(layout, publishers, fixture.groupIds(), steps, runId);
            if (options.warmupS() > 0) {
                BenchLog.say("warming up for " + options.warmupS() + " s at " + options.rate() + " msg/s");
                StepResult warm = runner.run(0, options.rate(), options.warmupS());
                BenchLog.say(String.format("warm-up: p99 %.1f ms, loss %.3f %%, %d send errors, %d closed sockets",
                        warm.p99Ms(), warm.lossPct(), warm.sendErrors(), warm.closedSockets()));
            }
            Map<String, Object> out = options.ramp() ? ramp(runner) : fixed(runner);
            if (!options.kafkaMetrics().isEmpty()) {
                out.put("kafka_lag_end", KafkaLag.total(options.kafkaMetrics()));
            }
            return out;
        }
    }

    private Map<String, Object> fixed(StepRunner runner) throws InterruptedException {
        StepResult result = measure(runner, 1, options.rate());
        Map<String, Object> out = header("fixed");
        out.putAll(result.toJson());
        return out;
    }

    private Map<String, Object> ramp(StepRunner runner) throws InterruptedException {
        RampRule rule = options.rule();
        List<StepResult> results = new ArrayList<>();
        OptionalInt rate = OptionalInt.of(options.rate());
        for (int tag = 1; rate.isPresent(); tag++) {
            StepResult result = measure(runner, tag, rate.getAsInt());
            results.add(result);
            rate = rule.next(result);
        }
        Map<String, Object> out = header("ramp");
        out.put("p99_limit_ms", options.p99LimitMs());
        out.put("best_rate", RampRule.bestRate(results));
        out.put("steps", results.stream().map(StepResult::toJson).toList());
        return out;
    }

    private StepResult measure(StepRunner runner, int tag, int rate) throws InterruptedException {
        BenchLog.say("measuring " + options.durationS() + " s at " + rate + " msg/s");
        StepResult result = runner.run(tag, rate, options.durationS()).judged(options.rule());
        BenchLog.say(String.format("%d msg/s: p50 %.1f ms, p99 %.1f ms, loss %.3f %%, %d send errors, backlog %d,"
                + " %d closed sockets, %.0f µs CPU/delivery -> %s", rate, result.p50Ms(), result.p99Ms(),
                result.lossPct(), result.sendErrors(), result.clientBacklog(), result.closedSockets(),
                result.cpuUsPerDelivery(), result.passed() ? "pass" : "FAIL"));
        return result;
    }

    private Map<String, Object> header(String mode) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode);
        out.put("pipeline", options.kafkaMetrics().isEmpty() ? "direct" : "kafka");
        out.put("instances", options.instances());
        out.put("via", options.viaBalancer() ? "balancer" : "instances");
        out.put("subscribers", layout.subscribers());
        out.put("groups", layout.groups());
        out.put("publishers", layout.publishers());
        out.put("warmup_s", options.warmupS());
        return out;
    }
}
