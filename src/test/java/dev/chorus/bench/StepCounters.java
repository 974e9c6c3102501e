package dev.chorus.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What happened to the messages of one step (the warm-up is step 0). Every message carries its step's number in
 * its content and its clientMessageId, so deliveries and acks that arrive late are still counted for their own step
 * and never for the next one. Socket closes are counted for the step running when they happen.
 */
final class StepCounters {

    /** Updated by the publishers' listener threads. */
    private final AtomicLongArray ackedPerGroup;
    /** Updated by the publishers' listener threads. */
    private final AtomicLong acked = new AtomicLong();
    /** Updated by the subscribers' listener threads. */
    private final AtomicLong delivered = new AtomicLong();
    /** Updated by any listener thread. */
    private final AtomicLong closedSockets = new AtomicLong();
    /** Updated by any listener thread. */
    private final LatencyHistogram latencies = new LatencyHistogram();
    /** Updated by the subscribers' listener threads. */
    private final AtomicLong lastDeliveryNanos = new AtomicLong();
    /** Written by the publishing thread only. */
    private volatile long sent;
    /** Written by the publishing thread only, when its time is up. */
    private volatile long backlog;

    StepCounters(int groups) {
        ackedPerGroup = new AtomicLongArray(groups);
    }

    void acked(int group) {
        ackedPerGroup.incrementAndGet(group);
        acked.incrementAndGet();
    }

    void delivered(long latencyNanos, long atNanos) {
        delivered.incrementAndGet();
        latencies.record(latencyNanos);
        lastDeliveryNanos.accumulateAndGet(atNanos, Math::max);
    }

    void socketClosed() {
        closedSockets.incrementAndGet();
    }

    void sent(long count) {
        sent = count;
    }

    void backlog(long queued) {
        backlog = queued;
    }

    long[] ackedPerGroup() {
        long[] copy = new long[ackedPerGroup.length()];
        for (int g = 0; g < copy.length; g++) {
            copy[g] = ackedPerGroup.get(g);
        }
        return copy;
    }

    long acked() {
        return acked.get();
    }

    long sent() {
        return sent;
    }

    /** Sends not acknowledged: error frames, failed sends and sends never answered. */
    long sendErrors() {
        return Math.max(0, sent - acked.get());
    }

    long delivered() {
        return delivered.get();
    }

    long closedSockets() {
        return closedSockets.get();
    }

    long backlog() {
        return backlog;
    }

    long lastDeliveryNanos() {
        return lastDeliveryNanos.get();
    }

    LatencyHistogram latencies() {
        return latencies;
    }
}
