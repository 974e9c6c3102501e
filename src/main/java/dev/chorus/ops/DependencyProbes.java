package dev.chorus.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Asks PostgreSQL and Redis whether they answer, and how fast: both at once, each given at most {@link #PATIENCE_MS}.
 * A dependency that has not answered by then is down ({@code timeout}): a Redis failing over or cut off makes a
 * command wait for its 2 s timeout, and a database that went away makes a connection wait for the pool's 5 s, while
 * SPEC §5 wants every health answer within a second. The probe left running ends by itself at those timeouts.
 *
 * <p>Every probe, and a background sample every few seconds, feeds {@code chorus_dependency_latency_seconds} and
 * {@code chorus_dependency_failures_total} (by {@code dependency}), so that they move even when nothing probes health
 * (open-source nginx does not), for the database-latency and Redis-failure alerts of deploy/prometheus. The latency
 * is recorded when the call itself ends, so a slow answer counts with its real duration.
 */
@Component
class DependencyProbes implements DisposableBean {

    static final long PATIENCE_MS = 800;

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

    /** Both dependencies, probed at the same time. */
    record Probes(Probe database, Probe redis) {
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
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();

    DependencyProbes(DataSource dataSource, RedisConnectionFactory redis, MeterRegistry meters) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.jdbc.setQueryTimeout(2);
        this.redis = redis;
        this.databaseMeters = Meters.of(meters, "database");
        this.redisMeters = Meters.of(meters, "redis");
    }

    Probes both() {
        long start = System.nanoTime();
        CompletableFuture<Void> database = call(databaseMeters, () -> jdbc.queryForObject("SELECT 1", Integer.class));
        CompletableFuture<Void> ping = call(redisMeters, () -> {
            try (RedisConnection connection = redis.getConnection()) {
                connection.ping();
            }
        });
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MS);
        return new Probes(outcome(database, start, deadline), outcome(ping, start, deadline));
    }

    /** The background sample; its results only feed the metrics. */
    @Scheduled(fixedDelayString = "${chorus.ops.dependency-sample-interval:PT5S}")
    void sample() {
        both();
    }

    /** Runs one probe on its own virtual thread; its meters are updated when it ends, however long that takes. */
    private CompletableFuture<Void> call(Meters meters, Runnable probe) {
        long start = System.nanoTime();
        return CompletableFuture.runAsync(probe, probes).whenComplete((done, failure) -> {
            meters.latency().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (failure != null) {
                meters.failures().increment();
            }
        });
    }

    private static Probe outcome(CompletableFuture<Void> probe, long start, long deadline) {
        try {
            probe.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return new Probe(true, elapsedMs(start), null);
        } catch (TimeoutException e) {
            return new Probe(false, elapsedMs(start), "timeout");
        } catch (ExecutionException e) {
            return new Probe(false, elapsedMs(start), e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(false, elapsedMs(start), "interrupted");
        }
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public void destroy() {
        probes.shutdownNow();
    }
}
