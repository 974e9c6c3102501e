package dev.chorus.auth.internal;

import dev.chorus.auth.AuthProperties;
import dev.chorus.ops.ServiceBusyException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Password hashing (Argon2id with Spring Security's parameters: 16 MiB and tens of milliseconds of CPU per hash),
 * bounded per instance by PASSWORD_HASH_CONCURRENCY whatever arrives: logins, sign-ups, and logins for unknown
 * e-mails (which hash a decoy) alike.
 *
 * <p>A sign-in takes a {@linkplain #withSlot slot} before it reads the user and keeps it until its hash is done, so
 * at most that many run at once: their hashes hold at most that many × 16 MiB, and a flood of them cannot take every
 * database connection either. A request that gets no slot within PASSWORD_HASH_WAIT fails with
 * {@link ServiceBusyException} (503 with Retry-After); so does, at once, one that would not get its turn within
 * that wait, judged from the queue ahead of it and how long hashes take lately. Refusing those at once spreads the
 * refusals over the flood rather than answering them all together when their waits run out.
 *
 * <p>Hashes run on platform threads of their own, as many as there are slots, not on the caller's virtual thread:
 * CPU-bound work on a virtual thread would hold one of the few carrier threads every request shares, and a probe of
 * {@code /health/live} would queue behind the hashes.
 */
@Component
class PasswordHasher implements DisposableBean {

    private final PasswordEncoder argon2 = Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8();
    // One permit per sign-in in progress (reading its user or hashing).
    private final Semaphore slots;
    private final ExecutorService hashers;
    private final int concurrency;
    private final Duration wait;
    private final Counter refused;
    // A moving average of hash durations; written by the hashing threads (a lost update is harmless), read by callers.
    private volatile long averageHashNanos;

    PasswordHasher(AuthProperties properties, MeterRegistry meters) {
        this.concurrency = properties.passwordHashConcurrency();
        this.slots = new Semaphore(concurrency, true);
        this.hashers = Executors.newFixedThreadPool(concurrency, threads());
        this.wait = properties.passwordHashWait();
        this.refused = Counter.builder("chorus.password.hash.refused")
                .description("sign-ins and sign-ups refused with 503 because every hashing slot stayed busy").register(meters);
    }

    /** Runs {@code signIn} (which hashes once) in a slot; 503 when none frees up within the wait. */
    <T> T withSlot(Supplier<T> signIn) {
        try {
            if (!slots.tryAcquire() && (wouldWaitTooLong() || !slots.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS))) {
                refused.increment();
                throw busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
        try {
            return signIn.get();
        } finally {
            slots.release();
        }
    }

    private boolean wouldWaitTooLong() {
        double turnsAhead = (double) (slots.getQueueLength() + 1) / concurrency;
        return turnsAhead * averageHashNanos > wait.toNanos();
    }

    String hash(CharSequence password) {
        return onHashingThread(() -> argon2.encode(password));
    }

    boolean matches(CharSequence password, String hash) {
        return onHashingThread(() -> argon2.matches(password, hash));
    }

    private <T> T onHashingThread(Callable<T> work) {
        try {
            return hashers.submit(() -> timed(work)).get();
        } catch (RejectedExecutionException shuttingDown) {
            throw busy();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("password hashing failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
    }

    private <T> T timed(Callable<T> work) throws Exception {
        long start = System.nanoTime();
        try {
            return work.call();
        } finally {
            long took = System.nanoTime() - start;
            long average = averageHashNanos;
            averageHashNanos = average == 0 ? took : average + (took - average) / 8;
        }
    }

    private static ServiceBusyException busy() {
        return new ServiceBusyException("too many sign-ins at once on this instance; retry shortly", 1);
    }

    private static ThreadFactory threads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "password-hash-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void destroy() {
        hashers.shutdownNow();
    }
}
