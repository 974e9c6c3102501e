package dev.chorus.ops;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.chorus.system.InstanceInfo;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The health endpoints of SPEC §3 "Operations", shaped for load balancers and orchestrators. */
@RestController
class HealthController {

    private final InstanceInfo instance;
    private final DependencyProbes probes;
    private final DrainState drain;
    private final List<ReadinessCheck> checks;
    private final List<HealthDetailContributor> contributors;
    private final DataSource dataSource;
    private final Clock clock;

    HealthController(InstanceInfo instance, DependencyProbes probes, DrainState drain, List<ReadinessCheck> checks,
            List<HealthDetailContributor> contributors, DataSource dataSource, Clock clock) {
        this.instance = instance;
        this.probes = probes;
        this.drain = drain;
        this.checks = checks;
        this.contributors = contributors;
        this.dataSource = dataSource;
        this.clock = clock;
    }

    @GetMapping("/health")
    ResponseEntity<Map<String, Object>> health() {
        DependencyProbes.Probes both = probes.both();
        boolean ok = problems(both.database(), both.redis()).isEmpty();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ok ? "ok" : "unavailable");
        body.put("instanceId", instance.instanceId());
        body.put("timestamp", clock.instant().toString());
        return ResponseEntity.status(ok ? 200 : 503).body(body);
    }

    @GetMapping("/health/live")
    Map<String, Object> live() {
        return Map.of("alive", true, "uptime", instance.uptime().toSeconds(), "timestamp", clock.instant().toString());
    }

    @GetMapping("/health/ready")
    ResponseEntity<Map<String, Object>> ready() {
        DependencyProbes.Probes both = probes.both();
        List<String> reasons = problems(both.database(), both.redis());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", reasons.isEmpty());
        body.put("instanceId", instance.instanceId());
        if (!reasons.isEmpty()) {
            body.put("reasons", reasons);
        }
        return ResponseEntity.status(reasons.isEmpty() ? 200 : 503).body(body);
    }

    @GetMapping("/health/detailed")
    ResponseEntity<Map<String, Object>> detailed() {
        DependencyProbes.Probes both = probes.both();
        DependencyProbes.Probe database = both.database();
        DependencyProbes.Probe redis = both.redis();
        List<String> reasons = problems(database, redis);
        Map<String, Object> checksBody = new LinkedHashMap<>();
        checksBody.put("database", database.toMap());
        checksBody.put("redis", redis.toMap());
        checksBody.put("kafka", Map.of("status", "disabled"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", reasons.isEmpty() ? "ok" : "unavailable");
        body.put("instanceId", instance.instanceId());
        body.put("version", instance.version());
        body.put("build", instance.build());
        body.put("uptime", instance.uptime().toSeconds());
        body.put("leader", false);
        body.put("checks", checksBody);
        body.put("websocketConnections", 0);
        body.put("dbPool", dbPool());
        if (!reasons.isEmpty()) {
            body.put("reasons", reasons);
        }
        contributors.forEach(c -> c.contribute(body));
        return ResponseEntity.status(reasons.isEmpty() ? 200 : 503).body(body);
    }

    private List<String> problems(DependencyProbes.Probe database, DependencyProbes.Probe redis) {
        List<String> reasons = new ArrayList<>();
        if (!database.up()) {
            reasons.add("database-unavailable");
        }
        if (!redis.up()) {
            reasons.add("redis-unavailable");
        }
        if (drain.isDraining()) {
            reasons.add("draining");
        }
        checks.forEach(check -> check.problem().ifPresent(reasons::add));
        return reasons;
    }

    private Map<String, Object> dbPool() {
        Map<String, Object> pool = new LinkedHashMap<>();
        if (dataSource instanceof HikariDataSource hikari && hikari.getHikariPoolMXBean() != null) {
            HikariPoolMXBean mx = hikari.getHikariPoolMXBean();
            pool.put("active", mx.getActiveConnections());
            pool.put("idle", mx.getIdleConnections());
            pool.put("pending", mx.getThreadsAwaitingConnection());
        }
        pool.put("max", dataSource instanceof HikariDataSource h ? h.getMaximumPoolSize() : null);
        return pool;
    }
}
