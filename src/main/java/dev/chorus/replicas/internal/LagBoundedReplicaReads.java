package dev.chorus.replicas.internal;

import dev.chorus.ops.HealthDetailContributor;
import dev.chorus.replicas.ReplicaProperties;
import dev.chorus.replicas.ReplicaReads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Routes reads to the replicas of DATABASE_REPLICA_URLS, in turn, while their lag is within the bound. Every
 * {@code replica-check-interval} the primary's WAL position is sampled and each replica is asked how far it has
 * replayed (each on a thread of its own, at most one check per replica at a time, so one that hangs delays no
 * other); a replica whose last check is older than ten intervals is not read, so a hung check cannot leave a
 * stale "up" behind (ten, not fewer: on a busy machine a check may wait a while for a thread). With no replica configured, every read runs on the primary.
 */
@Component
class LagBoundedReplicaReads implements ReplicaReads, HealthDetailContributor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LagBoundedReplicaReads.class);

    private final JdbcClient primary;
    private final List<Replica> replicas;
    private final ReplicationLag lag;
    private final Duration maxLag;
    private final Duration freshness;
    private final Clock clock;
    private final AtomicInteger next = new AtomicInteger();
    private final Counter primaryReads;
    private final Map<String, Counter> replicaReads;
    private final Counter fallbacks;

    LagBoundedReplicaReads(JdbcClient primary, ReplicaProperties properties, Clock clock, MeterRegistry meters) {
        this.primary = primary;
        this.replicas = properties.replicas().stream().map(r -> new Replica(r, properties, meters)).toList();
        this.maxLag = properties.replicaMaxLag();
        this.freshness = properties.replicaCheckInterval().multipliedBy(10);
        this.lag = new ReplicationLag(maxLag.multipliedBy(2).plus(freshness).plusSeconds(10));
        this.clock = clock;
        this.primaryReads = reads(meters, "primary");
        this.replicaReads = replicas.stream().collect(java.util.stream.Collectors.toMap(Replica::name, r -> reads(meters, r.name())));
        this.fallbacks = Counter.builder("chorus.db.replica.fallbacks")
                .description("reads that failed on a replica and ran again on the primary").register(meters);
        for (Replica replica : replicas) {
            Gauge.builder("chorus.db.replica.lag", replica, r -> r.state().lag() == null ? Double.NaN : r.state().lag().toMillis() / 1000.0)
                    .tag("replica", replica.name()).baseUnit("seconds")
                    .description("how far behind the primary the replica was at its last check").register(meters);
        }
    }

    private static Counter reads(MeterRegistry meters, String target) {
        return Counter.builder("chorus.db.reads").tag("target", target)
                .description("read-only queries that could go to a replica, by where they ran").register(meters);
    }

    @Override
    public <T> T query(Function<JdbcClient, T> query) {
        Replica replica = pick();
        if (replica != null) {
            try {
                T result = query.apply(replica.jdbc());
                replicaReads.get(replica.name()).increment();
                return result;
            } catch (DataAccessException e) {
                replica.failed(e, clock.instant());
                fallbacks.increment();
                log.warn("read on {} failed, running it on the primary: {}", replica.name(), e.getClass().getSimpleName());
            }
        }
        T result = query.apply(primary);
        primaryReads.increment();
        return result;
    }

    /** The next usable replica in turn, or null. */
    private Replica pick() {
        int n = replicas.size();
        if (n == 0) {
            return null;
        }
        var now = clock.instant();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            Replica candidate = replicas.get((start + i) % n);
            if (candidate.usable(maxLag, freshness, now)) {
                return candidate;
            }
        }
        return null;
    }

    @Scheduled(fixedDelayString = "${chorus.database.replica-check-interval:PT0.5S}")
    void check() {
        if (replicas.isEmpty()) {
            return;
        }
        try {
            Long position = primary.sql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").query(Long.class).single();
            lag.primaryAt(clock.instant(), position);
        } catch (RuntimeException e) {
            log.debug("cannot read the primary's WAL position: {}", e.toString());
        }
        for (Replica replica : replicas) {
            if (replica.startCheck()) {
                Thread.ofVirtual().name("check-" + replica.name()).start(() -> replica.check(lag, clock));
            }
        }
    }

    @Override
    public void contribute(Map<String, Object> details) {
        if (!replicas.isEmpty()) {
            var now = clock.instant();
            details.put("replicas", replicas.stream().map(r -> r.details(maxLag, freshness, now)).toList());
        }
    }

    @Override
    public void close() {
        replicas.forEach(Replica::close);
    }
}
