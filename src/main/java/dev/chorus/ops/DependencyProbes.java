package dev.chorus.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Asks PostgreSQL and Redis whether they answer, and how fast: for the health endpoints, and every few seconds on its
 * own so that {@code chorus_dependency_latency_seconds} and {@code chorus_dependency_failures_total} (by
 * {@code dependency}) move even when nothing probes health (open-source nginx does not), for the database-latency
 * and Redis-failure alerts of deploy/prometheus.
 */
@Component
class DependencyProbes {

    /** One dependency's state: up or down, with the round-trip time in milliseconds. */
    record Probe(boolean up, long latencyMs, String error) {
        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("status", up ? "up" : "down");
            map.put("latencyMs", latencyMs);
            if (error != null) {
                map.put("error", error);
            }
            return map;
        }
    }

    /** A dependency's round-trip timer and failure counter, registered up front so that the first failure is an increase. */
    private record Meters(Timer latency, Counter failures) {
        static Meters of(MeterRegistry registry, String dependency) {
            return new Meters(Timer.builder("chorus.dependency.latency").tag("dependency", dependency)
                            .description("round trip of a health probe (SELECT 1, PING), failed ones included").register(registry),
                    Counter.builder("chorus.dependency.failures").tag("dependency", dependency)
                            .description("health probes that failed or timed out").register(registry));
        }
    }

    private final JdbcTemplate jdbc;
    private final RedisConnectionFactory redis;
    private final Meters databaseMeters;
    private final Meters redisMeters;

    DependencyProbes(DataSource dataSource, RedisConnectionFactory redis, MeterRegistry meters) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.jdbc.setQueryTimeout(2);
        this.redis = redis;
        this.databaseMeters = Meters.of(meters, "database");
        this.redisMeters = Meters.of(meters, "redis");
    }

    Probe database() {
        return timed(databaseMeters, () -> jdbc.queryForObject("SELECT 1", Integer.class));
    }

    Probe redis() {
        return timed(redisMeters, () -> {
            try (RedisConnection connection = redis.getConnection()) {
                return connection.ping();
            }
        });
    }

    /** The background sample; its results only feed the metrics. */
    @Scheduled(fixedDelayString = "${chorus.ops.dependency-sample-interval:PT5S}")
    void sample() {
        database();
        redis();
    }

    private static Probe timed(Meters meters, Supplier<?> call) {
        long start = System.nanoTime();
        Probe probe;
        try {
            call.get();
            probe = new Probe(true, elapsedMs(start), null);
        } catch (RuntimeException e) {
            probe = new Probe(false, elapsedMs(start), e.getClass().getSimpleName());
            meters.failures().increment();
        }
        meters.latency().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return probe;
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
