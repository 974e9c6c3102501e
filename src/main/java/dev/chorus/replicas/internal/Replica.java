package dev.chorus.replicas.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.chorus.replicas.ReplicaProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * One read replica: its connection pool and what the last check found. Life cycle: unknown (no check yet) → up
 * (a replica, lag measured) ⇄ down (a check or a query failed) or not-a-replica (the server is not in recovery, so
 * it is refused as a replica); closed with the application context.
 */
final class Replica implements AutoCloseable {

    /** What the last check found. */
    enum Status { UNKNOWN, UP, DOWN, NOT_A_REPLICA }

    /** A check's outcome, replaced as a whole so readers never see half of one. */
    record State(Status status, Duration lag, Instant checkedAt, String error) {
    }

    private final String name;
    private final HikariDataSource pool;
    private final JdbcClient jdbc;
    private final JdbcTemplate checks;
    /** Written by the monitor's check and by a query that failed; read by every routed query. */
    private volatile State state = new State(Status.UNKNOWN, null, null, null);
    /** Set while a check of this replica is running, so a hung replica never has two. */
    private final AtomicBoolean checking = new AtomicBoolean();

    Replica(ReplicaProperties.Replica settings, ReplicaProperties properties, MeterRegistry meters) {
        this.name = settings.name();
        HikariConfig config = new HikariConfig();
        config.setPoolName("chorus-" + name);
        config.setJdbcUrl(settings.jdbcUrl());
        if (!settings.username().isEmpty()) {
            config.setUsername(settings.username());
        }
        if (!settings.password().isEmpty()) {
            config.setPassword(settings.password());
        }
        config.setMinimumIdle(properties.replicaPoolMin());
        config.setMaximumPoolSize(properties.replicaPoolMax());
        config.setReadOnly(true);
        // A replica down at start-up must not stop the instance: reads go to the primary until it answers.
        config.setInitializationFailTimeout(-1);
        config.setConnectionTimeout(2000);
        config.setValidationTimeout(1000);
        // A replica that stops answering mid-query fails the query (which then runs on the primary) instead of hanging.
        config.addDataSourceProperty("connectTimeout", "2");
        config.addDataSourceProperty("socketTimeout", "10");
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        this.pool = new HikariDataSource(config);
        this.jdbc = JdbcClient.create(pool);
        this.checks = new JdbcTemplate(pool);
        this.checks.setQueryTimeout(2);
    }

    String name() {
        return name;
    }

    JdbcClient jdbc() {
        return jdbc;
    }

    State state() {
        return state;
    }

    boolean startCheck() {
        return checking.compareAndSet(false, true);
    }

    /** Asks the replica how far it has replayed; the lag comes from comparing that with the primary's samples. */
    void check(ReplicationLag lag, java.time.Clock clock) {
        try {
            Map<String, Object> row = checks.queryForMap(
                    "SELECT pg_is_in_recovery() AS recovering, pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint AS replayed");
            Instant now = clock.instant();
            if (!Boolean.TRUE.equals(row.get("recovering"))) {
                state = new State(Status.NOT_A_REPLICA, null, now, "the server is not in recovery: not a replica");
            } else if (row.get("replayed") instanceof Number replayed) {
                state = new State(Status.UP, lag.lagOf(replayed.longValue(), now).orElse(null), now, null);
            } else {
                state = new State(Status.UP, null, now, null);
            }
        } catch (RuntimeException e) {
            failed(e, clock.instant());
        } finally {
            checking.set(false);
        }
    }

    /** A check or a routed query failed: no query goes here until a check succeeds again. */
    void failed(RuntimeException e, Instant at) {
        state = new State(Status.DOWN, null, at, e.getClass().getSimpleName());
    }

    /** Readable by queries now: a replica, checked recently, its lag measured and within the bound. */
    boolean usable(Duration maxLag, Duration freshness, Instant now) {
        State s = state;
        return s.status() == Status.UP && s.lag() != null && s.lag().compareTo(maxLag) <= 0
                && s.checkedAt().isAfter(now.minus(freshness));
    }

    Map<String, Object> details(Duration maxLag, Duration freshness, Instant now) {
        State s = state;
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", name);
        String status = switch (s.status()) {
            case UP -> usable(maxLag, freshness, now) ? "up" : "lagging";
            case DOWN -> "down";
            case NOT_A_REPLICA -> "not-a-replica";
            case UNKNOWN -> "unknown";
        };
        map.put("status", status);
        map.put("lagMs", s.lag() == null ? null : s.lag().toMillis());
        if (s.error() != null) {
            map.put("error", s.error());
        }
        return map;
    }

    @Override
    public void close() {
        pool.close();
    }
}
