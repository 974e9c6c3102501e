package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.RedisServer;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, secrets from files: an instance process gets every secret as NAME_FILE (two JWT keys, a database URL,
 * a replica URL and a Redis URL, each with a password of its own, Redis really asking for it), serves a whole
 * session with its errors and its operator endpoints, then its log and every answer it gave are searched for each
 * secret. So is what a process prints when a secret from a file stops it at start-up.
 */
@Tag("process")
class SecretsNeverShownTest {

    @Test
    void noSecretGivenInAFileAppearsInLogsHealthAdminMetricsOrErrors() throws Exception {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("signing key", "signing-key-" + UUID.randomUUID());
        secrets.put("verifying key", "verifying-key-" + UUID.randomUUID());
        secrets.put("database password", "dbpw-" + UUID.randomUUID());
        secrets.put("replica password", "replicapw-" + UUID.randomUUID());
        secrets.put("redis password", "redispw-" + UUID.randomUUID());
        Path dir = Files.createTempDirectory("chorus-secrets-");
        try (RedisServer redis = RedisServer.withPassword(secrets.get("redis password")); TestCluster cluster = new TestCluster()) {
            String admin = "admin-" + UUID.randomUUID() + "@example.test";
            Map<String, String> env = new LinkedHashMap<>();
            env.put("JWT_SECRET", "");
            env.put("DATABASE_URL", "");
            env.put("REDIS_URL", "");
            env.put("ADMIN_EMAILS", admin);
            env.put("JWT_SECRETS_FILE", file(dir, "jwt", secrets.get("signing key") + "\n" + secrets.get("verifying key") + "\n"));
            env.put("DATABASE_URL_FILE", file(dir, "db", "postgresql://postgres:" + secrets.get("database password")
                    + "@127.0.0.1:5432/" + cluster.database() + "\n"));
            // The primary named as a replica: refused as one (not in recovery), its password kept all the same.
            env.put("DATABASE_REPLICA_URLS_FILE", file(dir, "replicas", "postgresql://postgres:" + secrets.get("replica password")
                    + "@127.0.0.1:5432/" + cluster.database()));
            env.put("REDIS_URL_FILE", file(dir, "redis", redis.url() + "\n"));
            ChorusProcess process = cluster.startProcess("secrets", env);
            List<Response> answers = session(process.api(), admin);

            Await.until(Duration.ofSeconds(15), "the replica refused as not-a-replica in /health/detailed",
                    () -> process.api().get("/health/detailed", null), r -> r.raw().body().contains("not-a-replica"));
            answers.add(process.api().get("/health/detailed", null));
            StringBuilder shown = new StringBuilder();
            for (Response r : answers) {
                shown.append(r.raw().uri()).append(' ').append(r.raw().headers().map()).append(' ').append(r.raw().body()).append('\n');
            }
            String log = Files.readString(process.log(), StandardCharsets.ISO_8859_1);
            secrets.forEach((name, value) -> {
                assertThat(shown.toString()).as("%s in %d answers", name, answers.size()).doesNotContain(value);
                assertThat(log).as("%s in the log", name).doesNotContain(value);
            });
            assertThat(answers).hasSizeGreaterThan(15);
            assertThat(log).contains("\"instanceId\":\"secrets\"");
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void aProcessStoppedByADatabaseItCannotReachPrintsNoPasswordFromItsSecretFile() throws Exception {
        String password = "unreachable-" + UUID.randomUUID();
        Path dir = Files.createTempDirectory("chorus-secrets-");
        try {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.chorus.ChorusApplication").redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("JWT_") || k.startsWith("DATABASE_") || k.startsWith("REDIS_"));
            pb.environment().put("JWT_SECRET_FILE", file(dir, "jwt", TestCluster.SECRET));
            pb.environment().put("DATABASE_URL_FILE", file(dir, "db", "postgresql://postgres:" + password + "@127.0.0.1:1/chorus"));
            pb.environment().put("PORT", "0");
            pb.environment().put("CHORUS_REDIS_PREFIX", "t-secrets-" + UUID.randomUUID() + ":");
            Process process = pb.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            assertThat(output).contains("chorus: failed to start").doesNotContain(password).doesNotContain(TestCluster.SECRET);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** A session with its mistakes and an operator's look at everything; every answer is kept. */
    private static List<Response> session(Api api, String adminEmail) {
        List<Response> answers = new ArrayList<>();
        Session admin = api.newUser("admin", adminEmail);
        Session ada = api.newUser("ada");
        answers.add(api.post("/api/auth/login", null, Map.of("email", ada.email(), "password", "wrong password")));
        String group = api.createGroup(ada.accessToken(), "secrets");
        answers.add(api.post("/api/messages", ada.accessToken(), Map.of("content", "hello", "targetType", "group", "targetIds", List.of(group))));
        answers.add(api.get("/api/groups/" + group + "/messages", ada.accessToken()));
        answers.add(api.get("/api/groups/" + group + "/messages", admin.accessToken()));
        answers.add(api.get("/api/groups/" + UUID.randomUUID() + "/messages", ada.accessToken()));
        answers.add(api.get("/api/groups/not-a-uuid/messages?limit=9999", ada.accessToken()));
        answers.add(api.postRaw("/api/messages", ada.accessToken(), "{\"content\":", "application/json"));
        answers.add(api.get("/api/users/me", ForgedTokens.hs256(ada, "a-forged-key-0123456789-abcdefghijklmnop", Instant.now().plusSeconds(600))));
        answers.add(api.get("/api/users/me", "not.a.token"));
        answers.add(api.post("/api/auth/refresh", null, Map.of("refreshToken", "stale")));
        answers.add(api.get("/admin/cluster", ada.accessToken()));
        answers.add(api.get("/admin/cluster", admin.accessToken()));
        answers.add(api.get("/admin/locks", admin.accessToken()));
        answers.add(api.get("/admin/anything", admin.accessToken()));
        for (String path : List.of("/health", "/health/live", "/health/ready", "/health/detailed", "/metrics", "/no-such-page")) {
            answers.add(api.get(path, null));
        }
        try (WsClient socket = WsClient.authenticated(api, ada.accessToken())) {
            socket.send(Map.of("type", "subscribe", "groupId", group, "afterSeq", 0));
            socket.sendText("{not json");
            socket.awaitType("error");
            assertThat(socket.messageSeqs(group, 1, Duration.ofSeconds(10))).containsExactly(1L);
        }
        assertThat(answers.get(answers.size() - 3).status()).as("/health/detailed").isEqualTo(200);
        return answers;
    }

    private static String file(Path dir, String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content).toString();
    }
}
