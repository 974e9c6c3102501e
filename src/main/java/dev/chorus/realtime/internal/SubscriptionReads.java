package dev.chorus.realtime.internal;

import dev.chorus.ops.ServiceBusyException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Bounds the database reads that subscriptions make (the membership check, a feed's first read of its last seq, each
 * page of a replay) to half the connection pool, in arrival order, and lets them wait their turn for long.
 *
 * <p>Why: when an instance stops, every one of its sockets reconnects to the others within seconds and subscribes
 * again with afterSeq; thousands of subscriptions at once, each a virtual thread, would otherwise all wait on the
 * pool, whose 5 s timeout is right for an HTTP request and wrong here: they failed with {@code subscribe_failed} and
 * the HTTP API starved (issue 17's reconnect storm). Behind this gate they queue, the other half of the pool stays
 * for the API, and a subscription fails only after {@code subscribe-wait}. A plain fair semaphore is the whole
 * mechanism; a bulkhead library would add nothing but a dependency.
 */
@Component
class SubscriptionReads {

    /** Fair: a storm's subscriptions are served in the order they came. */
    private final Semaphore permits;
    private final Duration wait;

    SubscriptionReads(@Value("${spring.datasource.hikari.maximum-pool-size:10}") int poolSize,
            @Value("${chorus.realtime.subscribe-wait:PT60S}") Duration wait) {
        this.permits = new Semaphore(Math.max(1, poolSize / 2), true);
        this.wait = wait;
    }

    /** Runs the read once a permit is free; {@link ServiceBusyException} if none came within the wait. */
    <T> T read(Supplier<T> query) {
        try {
            if (!permits.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ServiceBusyException("too many subscriptions at once; subscribe again", 5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceBusyException("interrupted while waiting to subscribe", 5);
        }
        try {
            return query.get();
        } finally {
            permits.release();
        }
    }
}
