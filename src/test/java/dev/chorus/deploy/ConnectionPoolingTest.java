package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Balancer;
import dev.chorus.support.PgBouncer;
import dev.chorus.support.TestCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 100 concurrent requests through the balancer to three instance processes: PostgreSQL sees at most
 * DB_POOL_MAX connections per instance, and behind PgBouncer at most its pool, however many clients wait.
 */
@Tag("process")
class ConnectionPoolingTest {

    static final int CONCURRENT = 100;

    @Test
    void aHundredConcurrentRequestsKeepPostgresConnectionsWithinThePoolMaximumTimesTheInstances() {
        TestCluster cluster = new TestCluster().with("DB_POOL_MIN", "1").with("DB_POOL_MAX", "4");
        try (BalancedCluster balanced = BalancedCluster.start(Balancer.Kind.NGINX, "pool", 3, cluster)) {
            long peak = peakConnectionsUnderLoad(balanced);
            assertThat(peak).as("PostgreSQL connections at the peak").isLessThanOrEqualTo(4 * 3).isGreaterThan(3);
        }
    }

    @Test
    void throughPgBouncerPostgresSeesNoMoreThanItsPoolWhileEveryRequestSucceeds() throws Exception {
        TestCluster cluster = new TestCluster();
        try (PgBouncer bouncer = PgBouncer.startDeployed(cluster.database(), 3)) {
            cluster.with("DATABASE_URL", bouncer.databaseUrl(cluster.database())).with("DB_PGBOUNCER", "true")
                    .with("DB_POOL_MIN", "1").with("DB_POOL_MAX", "10");
            try (BalancedCluster balanced = BalancedCluster.start(Balancer.Kind.NGINX, "bounced", 3, cluster)) {
                long peak = peakConnectionsUnderLoad(balanced);
                assertThat(peak).as("PostgreSQL connections at the peak").isBetween(1L, 3L);
            }
        }
    }

    /** Sends 100 concurrent history reads (each needs the database) while sampling pg_stat_activity; every one must succeed. */
    static long peakConnectionsUnderLoad(BalancedCluster balanced) {
        Api lb = balanced.api();
        Session user = lb.newUser("pooled");
        String group = lb.createGroup(user.accessToken(), "pooled");
        for (int i = 0; i < 20; i++) {
            assertThat(lb.post("/api/messages", user.accessToken(), Map.of("content", "m" + i, "targetType", "group",
                    "targetIds", List.of(group))).status()).isEqualTo(201);
        }
        String sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + balanced.cluster.database() + "'";
        AtomicLong peak = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        // One long-lived connection to another database, so the sampler never counts itself or its own churn.
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                    PreparedStatement count = c.prepareStatement(sql)) {
                while (sampling.get()) {
                    try (ResultSet rs = count.executeQuery()) {
                        rs.next();
                        peak.accumulateAndGet(rs.getLong(1), Math::max);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        List<Future<Response>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CONCURRENT)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < CONCURRENT; i++) {
                    calls.add(pool.submit(() -> lb.get("/api/groups/" + group + "/messages?limit=50", user.accessToken())));
                }
            }
            for (Future<Response> call : calls) {
                Response r = call.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(r.json().path("messages")).hasSize(20);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        return peak.get();
    }
}
