package dev.chorus.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one step: publishes at the rate for the duration (message k to group {@code k % groups} through publisher
 * {@code k % publishers}, each with a fresh clientMessageId), notes the client backlog, drains, and adds it up.
 * Machine CPU is measured from the first send to the end of the drain, so every delivery counted in the step
 * happened inside the window.
 */
final class StepRunner {

    private static final long DRAIN_QUIET_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long DRAIN_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final FanOutLayout layout;
    private final List<Publisher> publishers;
    private final List<String> groupIds;
    private final Steps steps;
    private final String runId;

    StepRunner(FanOutLayout layout, List<Publisher> publishers, List<String> groupIds, Steps steps, String runId) {
        this.layout = layout;
        this.publishers = publishers;
        this.groupIds = groupIds;
        this.steps = steps;
        this.runId = runId;
    }

    StepResult run(int tag, int rate, int seconds) throws InterruptedException {
        StepCounters counters = steps.start(tag);
        CpuMeter.Sample before = CpuMeter.sample();
        long start = System.nanoTime();
        counters.sent(publish(tag, rate, start, TimeUnit.SECONDS.toNanos(seconds)));
        counters.backlog(publishers.stream().mapToLong(Publisher::queued).sum());
        drain(counters);
        CpuMeter.Use cpu = CpuMeter.between(before, CpuMeter.sample());
        double elapsedS = Math.max(seconds, (counters.lastDeliveryNanos() - start) / 1e9);
        return StepResult.of(rate, seconds, counters, layout.expectedDeliveries(counters.ackedPerGroup()), elapsedS,
                cpu);
    }

    private long publish(int tag, int rate, long start, long durationNanos) throws InterruptedException {
        long sent = 0;
        long elapsed;
        while ((elapsed = System.nanoTime() - start) < durationNanos) {
            long due = elapsed * rate / 1_000_000_000L;
            for (; sent < due; sent++) {
                String frame = Publisher.frame(groupIds.get(layout.groupOfMessage(sent)),
                        Subscriber.content(tag, System.nanoTime()), runId + "-" + tag + "-" + sent);
                publishers.get(layout.publisherOfMessage(sent)).send(frame);
            }
            Thread.sleep(1);
        }
        return sent;
    }

    private void drain(StepCounters counters) throws InterruptedException {
        DrainWatch watch = new DrainWatch(System.nanoTime(), DRAIN_QUIET_NANOS, DRAIN_LIMIT_NANOS);
        while (true) {
            long acked = counters.acked();
            long delivered = counters.delivered();
            boolean complete = acked >= counters.sent()
                    && delivered >= layout.expectedDeliveries(counters.ackedPerGroup());
            if (watch.over(complete, acked + delivered, System.nanoTime())) {
                return;
            }
            Thread.sleep(50);
        }
    }
}
