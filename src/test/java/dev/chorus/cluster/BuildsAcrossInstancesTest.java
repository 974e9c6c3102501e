package dev.chorus.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 13, "same build everywhere": each instance reports the git commit and build time of its jar in
 * /health/detailed, /admin/cluster and chorus_build_info; an instance of another build (here one given another
 * git.properties, as a jar built from another commit carries) is flagged in /admin/cluster, /health/detailed and
 * chorus_cluster_builds, and nobody turns unready for it.
 */
class BuildsAcrossInstancesTest {

    static final String ADMIN = "builds-admin@example.test";
    static final String OTHER_COMMIT = "0123456789abcdef0123456789abcdef01234567";

    static TestCluster cluster;
    static TestCluster.Instance first;
    static Api.Session admin;

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("ADMIN_EMAILS", ADMIN);
        first = cluster.start("build-1");
        admin = first.api().newUser("admin", ADMIN);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void anInstanceReportsTheCommitAndTimeOfItsBuild() throws Exception {
        String head = git("rev-parse", "HEAD");
        JsonNode detailed = first.api().get("/health/detailed", null).json();
        JsonNode build = detailed.path("build");
        assertThat(build.path("commit").asString()).as("the commit this checkout's build came from").isEqualTo(head);
        assertThat(build.path("version").asString()).isEqualTo(detailed.path("version").asString()).isNotBlank();
        assertThat(build.path("dirty").isBoolean()).isTrue();
        assertThat(Instant.parse(build.path("time").asString())).isBefore(Instant.now());

        String metrics = first.api().get("/metrics", null).raw().body();
        List<String> info = metrics.lines().filter(l -> l.startsWith("chorus_build_info{")).toList();
        assertThat(info).hasSize(1);
        assertThat(info.getFirst()).contains("commit=\"" + head + "\"", "build_time=\"" + build.path("time").asString() + "\"",
                "instance=\"build-1\"").endsWith(" 1");
    }

    @Test
    void anInstanceOfAnotherBuildIsFlaggedWhileEveryInstanceStaysReady(@TempDir Path tmp) throws Exception {
        Path git = tmp.resolve("git.properties");
        Files.writeString(git, "git.commit.id=" + OTHER_COMMIT + "\ngit.commit.id.abbrev=0123456\ngit.dirty=false\n");
        TestCluster.Instance second = cluster.start("build-2", Map.of(), "--spring.info.git.location=file:" + git);
        try {
            assertThat(second.api().get("/health/detailed", null).json().path("build").path("commit").asString())
                    .isEqualTo(OTHER_COMMIT);
            JsonNode view = Await.until(Duration.ofSeconds(15), "/admin/cluster showing two builds",
                    () -> first.api().get("/admin/cluster", admin.accessToken()).json(), c -> c.path("builds").size() == 2);
            assertThat(view.path("mixedBuilds").asBoolean()).isTrue();
            assertThat(view.path("builds").valueStream().map(b -> b.path("commit").asString() + " " + b.path("instances")))
                    .containsExactlyInAnyOrder(git("rev-parse", "HEAD") + " [\"build-1\"]", OTHER_COMMIT + " [\"build-2\"]");
            assertThat(view.path("instances").valueStream().map(i -> i.path("build").path("commit").asString()))
                    .containsExactlyInAnyOrder(git("rev-parse", "HEAD"), OTHER_COMMIT);

            for (TestCluster.Instance instance : new TestCluster.Instance[] {first, second}) {
                JsonNode detailed = Await.until(Duration.ofSeconds(15), instance.id() + " seeing two builds",
                        () -> instance.api().get("/health/detailed", null).json(), d -> d.path("clusterBuilds").asInt() == 2);
                assertThat(detailed.path("mixedBuilds").asBoolean()).isTrue();
                assertThat(detailed.path("status").asString()).isEqualTo("ok");
                assertThat(instance.api().get("/health/ready", null).status()).as("%s ready", instance.id()).isEqualTo(200);
                assertThat(instance.api().get("/metrics", null).raw().body()).contains("chorus_cluster_builds{instance=\"" + instance.id() + "\"} 2.0");
            }
        } finally {
            second.stop();
        }
        JsonNode after = Await.until(Duration.ofSeconds(15), "one build again once build-2 left",
                () -> first.api().get("/admin/cluster", admin.accessToken()).json(), c -> c.path("builds").size() == 1);
        assertThat(after.path("mixedBuilds").asBoolean()).isFalse();
        Await.until(Duration.ofSeconds(15), "build-1's detailed health back to one build",
                () -> first.api().get("/health/detailed", null).json(), d -> !d.path("mixedBuilds").asBoolean(true));
    }

    static String git(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + ": " + out);
        }
        return out;
    }
}
