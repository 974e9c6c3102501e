package dev.chorus.groups;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.PgBouncer;
import dev.chorus.support.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With DB_PGBOUNCER=true, two instances work through a real PgBouncer in transaction pooling: migrations, auth,
 * concurrent posting. Server-side prepared statements would collide on shared server connections here.
 */
class ThroughPgBouncerTest {

    static PgBouncer bouncer;
    static TestCluster cluster;
    static List<Api> apis;

    @BeforeAll
    static void start() throws Exception {
        bouncer = PgBouncer.start(3);
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0");
        cluster.with("DATABASE_URL", bouncer.databaseUrl(cluster.database())).with("DB_PGBOUNCER", "true");
        apis = cluster.startMany(2).stream().map(TestCluster.Instance::api).toList();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
        bouncer.close();
    }

    @Test
    void concurrentPostingThroughTransactionPoolingKeepsSeqsGapFree() throws Exception {
        Session user = apis.get(0).newUser("bounced");
        String group = apis.get(1).createGroup(user.accessToken(), "pooled");
        List<Future<Response>> posts = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(10)) {
            for (int i = 0; i < 120; i++) {
                Api api = apis.get(i % 2);
                String cmid = "b" + i;
                posts.add(pool.submit(() -> api.post("/api/messages", user.accessToken(), Map.of(
                        "content", "via pgbouncer", "targetType", "group", "targetIds", List.of(group), "clientMessageId", cmid))));
            }
        }
        for (Future<Response> f : posts) {
            assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(201);
        }
        assertThat(cluster.queryLong("SELECT count(DISTINCT seq) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(120);
        assertThat(cluster.queryLong("SELECT max(seq) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(120);
        Response history = apis.get(0).get("/api/groups/" + group + "/messages?limit=200", user.accessToken());
        assertThat(history.json().path("messages")).hasSize(120);
    }

    @Test
    void serverConnectionsStayWithinPgBouncersPool() {
        long fromBouncer = cluster.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + cluster.database()
                + "' AND application_name NOT LIKE 'psql%' AND pid <> pg_backend_pid()");
        assertThat(fromBouncer).isLessThanOrEqualTo(3);
        assertThat(apis.get(0).get("/health/ready", null).status()).isEqualTo(200);
    }
}
