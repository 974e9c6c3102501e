package dev.chorus.chaos;

import java.util.List;
import java.util.Map;

/**
 * Everything a run observed, for {@link Verdict}: times are {@link System#nanoTime()} readings of the run's JVM.
 *
 * @param sends every message the publishers tried, acknowledged or not
 * @param history every stored message of the run's groups, read after the run
 * @param samples every answer (or silence) of each instance's {@code /health/ready}, in time order
 * @param failures requests that failed, by kind (e.g. {@code rest 503}, {@code ws error unavailable})
 */
record RunRecord(String scenario, int rate, int durationS, List<String> instances, long startNanos, long endNanos,
        Window fault, List<Send> sends, List<Stored> history, List<SubscriberLog> subscribers, List<Sample> samples,
        Map<String, Long> failures, long slowestFailureMs) {

    /** A message a publisher tried to send; {@code ackedAtNanos} is -1 (and {@code seq} 0) while unacknowledged. */
    record Send(String clientMessageId, String group, String via, long ackedAtNanos, long seq) {
        boolean acknowledged() {
            return ackedAtNanos >= 0;
        }
    }

    /** A message as history holds it. */
    record Stored(String group, long seq, String clientMessageId) {
    }

    /**
     * One look at an instance's readiness: the HTTP status (-1: no answer within {@link ReadinessWatch#TIMEOUT}) and
     * how long the answer took.
     */
    record Sample(String instance, long atNanos, int status, long tookMs) {
    }

    /**
     * When the fault began and ended, and from when recovery is counted: the fault's end, or its start when the
     * system is to heal by itself while the fault lasts (a Sentinel failover: the master stays dead).
     */
    record Window(long startNanos, long endNanos, long recoverFromNanos) {
    }
}
