package dev.chorus.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Asks PostgreSQL and Redis whether they answer, and how fast. */
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

    private final JdbcTemplate jdbc;
    private final RedisConnectionFactory redis;

    DependencyProbes(DataSource dataSource, RedisConnectionFactory redis) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.jdbc.setQueryTimeout(2);
        this.redis = redis;
    }

    Probe database() {
        return timed(() -> jdbc.queryForObject("SELECT 1", Integer.class));
    }

    Probe redis() {
        return timed(() -> {
            try (RedisConnection connection = redis.getConnection()) {
                connection.ping();
            }
        });
    }

    private static Probe timed(Runnable call) {
        long start = System.nanoTime();
        try {
            call.run();
            return new Probe(true, elapsedMs(start), null);
        } catch (RuntimeException e) {
            return new Probe(false, elapsedMs(start), e.getClass().getSimpleName());
        }
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
