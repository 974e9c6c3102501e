package dev.chorus.support;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping the helper processes tests start (balancers, Prometheus). */
final class Processes {

    private Processes() {
    }

    /** SIGTERM, then SIGKILL if the process has not exited within {@code grace}. */
    static void stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
