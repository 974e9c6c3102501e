package dev.chorus.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.PrivatePostgres;
import dev.chorus.support.RedisServer;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 4: an instance started before its Redis or its PostgreSQL listens does not exit (as it did when
 * Lettuce's 2 s connect timeout passed on a loaded machine); it logs that it waits, attempt by attempt, and becomes
 * ready once the dependency answers. (StartupFailureProcessTest: one that never answers stops it after the wait.)
 */
@Tag("process")
class StartupWaitsForDependenciesTest {

    @Test
    void anInstanceStartedBeforeItsRedisListensWaitsForItAndBecomesReady() throws Exception {
        try (TestCluster cluster = new TestCluster(); RedisServer redis = new RedisServer()) {
            redis.kill();
            startWhileAway(cluster, Map.of("REDIS_URL", redis.url()), "Redis at 127.0.0.1:" + redis.port(), redis::start);
        }
    }

    @Test
    void anInstanceStartedBeforeItsDatabaseListensWaitsForItAndBecomesReady() throws Exception {
        try (TestCluster cluster = new TestCluster(); PrivatePostgres postgres = PrivatePostgres.start(Map.of(), List.of())) {
            postgres.stop();
            startWhileAway(cluster, Map.of("DATABASE_URL", postgres.url("postgres")),
                    "PostgreSQL at jdbc:postgresql://127.0.0.1:" + postgres.port() + "/postgres", postgres::start);
        }
    }

    /**
     * Starts an instance whose dependency {@code what} is away, waits for the instance's log to say it waits for it,
     * brings it back, and expects the instance ready, with a log line saying when the dependency answered.
     */
    private static void startWhileAway(TestCluster cluster, Map<String, String> env, String what, Runnable comeBack) throws Exception {
        String id = "late-dependency-" + UUID.randomUUID().toString().substring(0, 8);
        Path log = Path.of("target", "process-logs", id + ".log");
        Map<String, String> all = new java.util.HashMap<>(env);
        // The instance gives up by itself after the wait, should the test fail before the dependency comes back.
        all.put("STARTUP_DEPENDENCY_WAIT", "PT150S");
        CompletableFuture<ChorusProcess> starting = CompletableFuture.supplyAsync(() -> ChorusProcess.start(id, cluster.env(id, all)));
        Await.until(Duration.ofSeconds(120), "the instance saying it waits for " + what, () -> read(log).contains("waiting for " + what));
        assertThat(starting).as("not started while " + what + " is away").isNotDone();

        comeBack.run();
        try (ChorusProcess instance = starting.get(180, TimeUnit.SECONDS)) {
            assertThat(instance.api().get("/health/ready", null).status()).isEqualTo(200);
            assertThat(read(log)).contains(what + " answered after");
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
