package dev.chorus.support;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline instead of hoping after a fixed sleep. When the deadline passes, the
 * failure says what was awaited and what was seen last, so a slow or stuck cluster explains itself.
 */
public final class Await {

    /** Between two looks at the condition: short enough not to slow tests, long enough not to burn a core. */
    private static final Duration POLL = Duration.ofMillis(50);

    private Await() {
    }

    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        until(timeout, what, condition::getAsBoolean, done -> done);
    }

    /**
     * Looks at {@code probe} until {@code done} accepts what it returns, and returns that. A probe that throws (an
     * instance still starting, a connection refused) counts as not done yet. At the deadline, fails with the last
     * value or exception seen.
     */
    public static <T> T until(Duration timeout, String what, Supplier<T> probe, Predicate<? super T> done) {
        Instant deadline = Instant.now().plus(timeout);
        Object seen = "nothing yet";
        while (true) {
            try {
                T value = probe.get();
                if (done.test(value)) {
                    return value;
                }
                seen = value;
            } catch (RuntimeException e) {
                seen = e;
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new AssertionError("not within " + timeout + ": " + what + "; last seen: " + seen);
            }
            pause(what);
        }
    }

    private static void pause(String what) {
        try {
            Thread.sleep(POLL); // polling interval, not a wait for the outcome
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what);
        }
    }
}
