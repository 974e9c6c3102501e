package dev.chorus.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.PrivatePostgres;
import dev.chorus.support.RedisServer;
import dev.chorus.support.TestCertificates;
import dev.chorus.support.TestCluster;
import dev.chorus.support.TestCluster.Instance;
import dev.chorus.support.WsClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, TLS to the data stores: a private PostgreSQL that accepts TLS connections only and a private Redis with
 * no plain port, both with a certificate from a CA generated for the test. Chorus verifies the server's certificate
 * and name ({@code sslmode=verify-full}, {@code rediss://} with REDIS_TLS_CA_CERT); a certificate from another CA
 * is refused.
 */
@Tag("process")
class TlsConnectionsTest {

    static Path dir;
    static TestCertificates certificates;
    static TestCertificates stranger;
    static PrivatePostgres postgres;
    static RedisServer redis;
    static TestCluster cluster;

    @BeforeAll
    static void startTlsOnlyServers() throws IOException {
        dir = Files.createTempDirectory("chorus-tls-");
        certificates = TestCertificates.generate(dir.resolve("ours"));
        stranger = TestCertificates.generate(dir.resolve("stranger"));
        postgres = PrivatePostgres.start(Map.of("ssl", "on", "ssl_cert_file", "server.crt", "ssl_key_file", "server.key"),
                List.of("hostssl all all 127.0.0.1/32 trust", "hostnossl all all 127.0.0.1/32 reject"),
                Map.of("server.crt", certificates.serverCertificate(), "server.key", certificates.serverKey()));
        postgres.sql("postgres", "CREATE DATABASE chorus");
        redis = RedisServer.tlsOnly(certificates);
        cluster = new TestCluster();
    }

    @AfterAll
    static void stop() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    static String databaseUrl(Path ca) {
        return "postgresql://postgres@localhost:" + postgres.port() + "/chorus?sslmode=verify-full&sslrootcert=" + ca;
    }

    static Map<String, String> env(Path postgresCa, Path redisCa) {
        return Map.of("DATABASE_URL", databaseUrl(postgresCa), "REDIS_URL", "rediss://localhost:" + redis.port(),
                "REDIS_TLS_CA_CERT", redisCa.toString());
    }

    @Test
    void anInstanceServesWithPostgresAndRedisReachedOnlyOverVerifiedTls() {
        Instance instance = cluster.start("tls", env(certificates.ca(), certificates.ca()));
        Api api = instance.api();
        Await.until(Duration.ofSeconds(30), "the instance ready", () -> api.get("/health/ready", null), r -> r.status() == 200);
        Session ada = api.newUser("ada");
        String group = api.createGroup(ada.accessToken(), "over tls");
        try (WsClient socket = WsClient.authenticated(api, ada.accessToken())) {
            socket.send(Map.of("type", "subscribe", "groupId", group));
            socket.awaitType("subscribed");
            assertThat(api.post("/api/messages", ada.accessToken(), Map.of("content", "sealed", "targetType", "group",
                    "targetIds", List.of(group))).status()).isEqualTo(201);
            assertThat(socket.messageSeqs(group, 1, Duration.ofSeconds(15))).containsExactly(1L);
        }
        assertThat(postgres.queryText("postgres", "SELECT count(*) || ' ' || bool_and(s.ssl) FROM pg_stat_ssl s "
                + "JOIN pg_stat_activity a USING (pid) WHERE a.datname = 'chorus'")).as("the instance's connections: count, all TLS")
                .matches("[1-9][0-9]* true");
        instance.stop();
    }

    @Test
    void aPostgresCertificateFromAnotherCaStopsTheInstanceAtStartUp() {
        assertThatThrownBy(() -> cluster.start("wrong-pg-ca", env(stranger.ca(), certificates.ca())))
                .satisfies(e -> assertThat(trace(e)).containsIgnoringCase("ssl")
                        .containsAnyOf("PKIX", "certification path", "unable to find valid certification"));
    }

    @Test
    void aRedisCertificateFromAnotherCaIsRefusedAndTheInstanceNeverTakesTraffic() {
        Instance instance;
        try {
            instance = cluster.start("wrong-redis-ca", env(certificates.ca(), stranger.ca()));
        } catch (RuntimeException refusedAtStartUp) {
            assertThat(trace(refusedAtStartUp)).containsAnyOf("PKIX", "certification path", "SSLHandshake");
            return;
        }
        try {
            Await.until(Duration.ofSeconds(30), "redis-unavailable in the readiness reasons",
                    () -> instance.api().get("/health/ready", null), r -> r.status() == 503 && r.raw().body().contains("redis-unavailable"));
        } finally {
            instance.stop();
        }
    }

    private static String trace(Throwable e) {
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
