package dev.chorus.bench;

/**
 * When to stop waiting after a step's publishing time: as soon as every send is answered and every delivery owed
 * has arrived; or once nothing has moved for the quiet period (what is missing is lost, or stuck); or at the limit,
 * however busy the server still is (a server that far behind has failed the step anyway).
 */
final class DrainWatch {

    private final long quietNanos;
    private final long deadlineNanos;
    /** Only accessed by the thread that drains. */
    private long lastProgress = -1;
    /** Only accessed by the thread that drains. */
    private long lastMoveNanos;

    DrainWatch(long startNanos, long quietNanos, long limitNanos) {
        this.quietNanos = quietNanos;
        this.deadlineNanos = startNanos + limitNanos;
        this.lastMoveNanos = startNanos;
    }

    /** Called with a count that grows while anything arrives (acks plus deliveries). */
    boolean over(boolean complete, long progress, long nowNanos) {
        if (progress != lastProgress) {
            lastProgress = progress;
            lastMoveNanos = nowNanos;
        }
        return complete || nowNanos - lastMoveNanos >= quietNanos || nowNanos - deadlineNanos >= 0;
    }
}
