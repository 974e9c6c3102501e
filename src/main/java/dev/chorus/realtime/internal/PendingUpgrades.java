package dev.chorus.realtime.internal;

import dev.chorus.realtime.RealtimeProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The sockets this instance is still admitting: from the moment {@link UpgradeAdmission} lets an upgrade request in
 * until its socket is authenticated or gone. At most WS_MAX_PENDING_UPGRADES at once; one more is refused at once
 * with 503 {@code busy}, before it costs a security check, a token check, a Redis round trip or a descriptor held
 * for long.
 *
 * <p>Why: in a reconnect storm (every socket of a stopped instance coming back within seconds, issue 17) the work
 * an instance takes on grows faster than it can do it; upgrades queue, clients give up on them and come back while
 * the instance still works through the old ones, which hold a descriptor each, until the process runs out of
 * descriptors and answers nothing, {@code /health/live} included. Bounding the work in flight keeps each admitted
 * socket quick to finish (it authenticates well within the auth timeout) and turns the rest away while turning them
 * away is cheap; clients retry after a jittered backoff and the storm drains at the rate the instance can serve.
 *
 * <p>A permit is given back by whoever holds it last: the upgrade request when it was not upgraded, else its socket
 * when it authenticates or closes. A permit nobody gave back within {@link #lifetime} (a socket that never opened
 * after its 101) no longer counts, so a lost permit cannot shrink the instance's room for good. Hand-written rather
 * than a {@link java.util.concurrent.Semaphore} for that expiry.
 */
@Component
class PendingUpgrades {

    /** Where UpgradeAdmission leaves a request's permit, for UpgradeGate to hand on to the socket's attributes. */
    static final String PERMIT = PendingUpgrades.class.getName() + ".permit";

    private final int limit;
    private final long lifetimeNanos;
    private final LongSupplier nanoTime;
    /** The permits out now; any thread adds and removes. */
    private final Set<Permit> out = ConcurrentHashMap.newKeySet();
    private final Counter refused;

    @Autowired
    PendingUpgrades(@Value("${chorus.realtime.max-pending-upgrades:256}") int limit, RealtimeProperties properties,
            MeterRegistry meters) {
        this(limit, lifetime(properties.authTimeout()), System::nanoTime, meters);
    }

    PendingUpgrades(int limit, Duration lifetime, LongSupplier nanoTime, MeterRegistry meters) {
        this.limit = limit;
        this.lifetimeNanos = lifetime.toNanos();
        this.nanoTime = nanoTime;
        Gauge.builder("chorus.websocket.pending.upgrades", out, Set::size)
                .description("sockets being admitted: upgraded or upgrading, not yet authenticated").register(meters);
        this.refused = Counter.builder("chorus.websocket.upgrades.refused").tag("reason", "busy")
                .description("upgrades refused with 503 because WS_MAX_PENDING_UPGRADES were being admitted").register(meters);
    }

    /**
     * Longest a permit counts: the auth timeout closes a silent socket after it, one that sent a frame after twice
     * it (RealtimeHandler), and the upgrade itself may have waited some seconds on a busy instance.
     */
    static Duration lifetime(Duration authTimeout) {
        return authTimeout.multipliedBy(2).plusSeconds(10);
    }

    /** A permit, or empty when WS_MAX_PENDING_UPGRADES are out (counted as refused). */
    Optional<Permit> tryEnter() {
        if (out.size() >= limit) {
            expire();
        }
        Permit permit = new Permit(nanoTime.getAsLong());
        out.add(permit);
        // Added first, then checked: two racing requests cannot both take the last place.
        if (out.size() > limit) {
            out.remove(permit);
            refused.increment();
            return Optional.empty();
        }
        return Optional.of(permit);
    }

    int count() {
        return out.size();
    }

    /** Permits out whose socket is not open yet: admitted sockets not counted among the open ones. */
    int upgrading() {
        int upgrading = 0;
        for (Permit permit : out) {
            if (!permit.opened) {
                upgrading++;
            }
        }
        return upgrading;
    }

    int limit() {
        return limit;
    }

    private void expire() {
        long now = nanoTime.getAsLong();
        out.removeIf(p -> now - p.since > lifetimeNanos);
    }

    /** One admission in progress; {@link #release} may be called any number of times, by anyone. */
    final class Permit {
        private final long since;
        /** Set once its socket is open (and counted among the open ones); any thread. */
        private volatile boolean opened;

        private Permit(long since) {
            this.since = since;
        }

        void opened() {
            opened = true;
        }

        void release() {
            out.remove(this);
        }
    }
}
