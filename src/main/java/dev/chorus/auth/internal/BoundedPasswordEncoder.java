package dev.chorus.auth.internal;

import dev.chorus.ops.ServiceBusyException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * A password encoder (Argon2id: 16 MiB and a few tens of milliseconds of CPU per hash) that one instance runs at
 * most {@code concurrency} times at once, whatever arrives: logins, registrations and logins for unknown e-mails
 * (which hash a decoy) alike. So memory for hashing stays under {@code concurrency} × 16 MiB and a flood of logins
 * cannot starve the rest of the instance.
 *
 * <p>A hash waits at most {@code wait} for its turn, then fails with {@link ServiceBusyException} (503, Retry-After).
 * It runs on one of {@code concurrency} platform threads of its own, not on the caller's virtual thread: CPU-bound
 * work on a virtual thread would hold one of the few carrier threads every request shares, and a probe of
 * {@code /health/live} would queue behind the hashes.
 */
final class BoundedPasswordEncoder implements PasswordEncoder, AutoCloseable {

    private final PasswordEncoder delegate;
    // One permit per hash that is queued on or running in hashers; released when the hash ends.
    private final Semaphore permits;
    private final ExecutorService hashers;
    private final Duration wait;
    private final Counter rejected;

    BoundedPasswordEncoder(PasswordEncoder delegate, int concurrency, Duration wait, MeterRegistry meters) {
        this.delegate = delegate;
        this.permits = new Semaphore(concurrency, true);
        this.hashers = Executors.newFixedThreadPool(concurrency, threads());
        this.wait = wait;
        this.rejected = Counter.builder("chorus.password.hash.rejected")
                .description("password hashes refused because every hashing slot stayed busy").register(meters);
    }

    @Override
    public String encode(CharSequence rawPassword) {
        return bounded(() -> delegate.encode(rawPassword));
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        return bounded(() -> delegate.matches(rawPassword, encodedPassword));
    }

    @Override
    public boolean upgradeEncoding(String encodedPassword) {
        return delegate.upgradeEncoding(encodedPassword);
    }

    private <T> T bounded(Callable<T> hash) {
        try {
            if (!permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                rejected.increment();
                throw busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
        Future<T> result;
        try {
            result = hashers.submit(() -> {
                try {
                    return hash.call();
                } finally {
                    permits.release();
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            permits.release();
            throw busy();
        }
        return await(result);
    }

    private static <T> T await(Future<T> result) {
        try {
            return result.get();
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
    public void close() {
        hashers.shutdownNow();
    }
}
