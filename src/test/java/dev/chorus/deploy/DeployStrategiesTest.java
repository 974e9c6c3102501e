package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.deploy.Commands.Result;
import dev.chorus.deploy.TestBuilds.Fault;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/chorus deploy} and {@code rollback} on a cluster of two instances that {@code bin/chorus up} started
 * behind nginx, under a steady load of posts, reads and WebSocket subscribers: a healthy build replaces the running
 * one with zero failed requests and every message stored once and delivered in order; a deliberately broken build
 * ({@link TestBuilds}: one that fails to start, one that never turns ready, one that answers 500 to posts) is rolled
 * back by the deploy itself, leaving the old build serving.
 */
@Tag("process")
class DeployStrategiesTest {

    private static final Duration COMMAND = Duration.ofMinutes(5);

    @TempDir
    Path jars;

    /** The build that runs first, a deliberately broken one, and the next healthy one, with their release ids. */
    private record Builds(Path a, Path broken, Path b, String releaseA, String releaseB) {
    }

    private Builds builds(Fault broken) throws IOException {
        Path a = TestBuilds.write(jars, "a", Fault.NONE);
        Path b = TestBuilds.write(jars, "b", Fault.NONE);
        return new Builds(a, TestBuilds.write(jars, broken.name().toLowerCase(java.util.Locale.ROOT), broken), b,
                TestBuilds.releaseOf(a), TestBuilds.releaseOf(b));
    }

    @Test
    void aRollingDeployUndoesABuildThatFailsToStartThenReplacesEveryInstanceWithoutAFailedRequestOrALostMessage()
            throws IOException {
        Builds builds = builds(Fault.FAILS_TO_START);
        String releaseA = builds.releaseA();
        String releaseB = builds.releaseB();
        underSteadyLoad(builds.a(), (chorus, traffic) -> {
            refusedWithoutChange(chorus, Map.of("chorus-1", releaseA, "chorus-2", releaseA), builds.b());

            rolledBack(chorus, builds, List.of("chorus-1 failed its health gate", "its process exited", "was rolled back"),
                    "deploy", "--strategy", "rolling", "--jar", builds.broken().toString());
            traffic.awaitProgress(100);

            chorus.succeed(COMMAND, "deploy", "--strategy", "rolling", "--jar", builds.b().toString());
            assertThat(chorus.builds()).isEqualTo(Map.of("chorus-1", releaseB, "chorus-2", releaseB));
            awaitServedByEach(traffic, List.of("chorus-1", "chorus-2"));

            chorus.succeed(COMMAND, "add");
            assertThat(chorus.builds()).as("after bin/chorus add").isEqualTo(Map.of("chorus-1", releaseB, "chorus-2", releaseB,
                    "chorus-3", releaseB));
            awaitServedByEach(traffic, List.of("chorus-3"));
            return List.of();
        });
    }

    @Test
    void blueGreenKeepsTheLiveSetWhenTheNewOneNeverTurnsReadyThenSwitchesWholeAndRollsBackAtOnce() throws IOException {
        Builds builds = builds(Fault.NEVER_READY);
        String releaseA = builds.releaseA();
        String releaseB = builds.releaseB();
        underSteadyLoad(builds.a(), (chorus, traffic) -> {
            rolledBack(chorus, builds, List.of("not ready and steady for 3 s within 15 s of its first answer", "broken-build",
                    "the live set was never touched"), "deploy", "--strategy", "blue-green", "--jar", builds.broken().toString(),
                    "--gate-timeout", "15");

            chorus.succeed(COMMAND, "deploy", "--strategy", "blue-green", "--jar", builds.b().toString());
            assertThat(chorus.builds()).isEqualTo(Map.of("chorus-1", releaseA, "chorus-2", releaseA, "chorus-3", releaseB,
                    "chorus-4", releaseB));
            assertOnlyServedBy(traffic, List.of("chorus-3", "chorus-4"));

            Result back = chorus.succeed(Duration.ofMinutes(2), "rollback");
            assertThat(back.output()).contains("switched back to chorus-1,chorus-2");
            assertOnlyServedBy(traffic, List.of("chorus-1", "chorus-2"));
            return List.of();
        });
    }

    @Test
    void aCanaryAnswering500sIsRolledBackByItselfAndAHealthyOneIsPromotedToEveryInstance() throws IOException {
        Builds builds = builds(Fault.ANSWERS_500);
        String releaseB = builds.releaseB();
        underSteadyLoad(builds.a(), (chorus, traffic) -> {
            rolledBack(chorus, builds, List.of("roll back: error rate", "rolling the canary back"), "deploy", "--strategy",
                    "canary", "--jar", builds.broken().toString(), "--canary-time", "120", "--min-requests", "10",
                    "--max-error-rate", "0.05");
            // What the canary's clients saw: its 500s to posts, and nothing else went wrong. From here on, nothing may.
            List<String> canaryFailures = traffic.load.failures();
            assertThat(canaryFailures).isNotEmpty().allMatch(f -> f.startsWith("500 POST /api/messages"));

            chorus.succeed(COMMAND, "deploy", "--strategy", "canary", "--jar", builds.b().toString(), "--canary-time", "10",
                    "--min-requests", "10");
            assertThat(chorus.builds()).isEqualTo(Map.of("chorus-1", releaseB, "chorus-2", releaseB));
            awaitServedByEach(traffic, List.of("chorus-1", "chorus-2"));
            return canaryFailures;
        });
    }

    /** What a test does to a cluster under load; returns the failed requests it expects the load to have seen. */
    @FunctionalInterface
    private interface Scenario {
        List<String> run(LocalChorus chorus, SteadyTraffic traffic) throws IOException;
    }

    /**
     * Starts the cluster on {@code firstBuild} and a steady load, runs the scenario, then checks that the load saw
     * only the failures the scenario expects and that no message was lost. A failure carries the commands' transcript
     * and the tails of the logs.
     */
    private static void underSteadyLoad(Path firstBuild, Scenario scenario) throws IOException {
        try (TestCluster cluster = new TestCluster(); LocalChorus chorus = up(cluster, firstBuild)) {
            try (SteadyTraffic traffic = SteadyTraffic.start(chorus.balancer())) {
                traffic.awaitProgress(100);
                List<String> expectedFailures = scenario.run(chorus, traffic);
                traffic.load.stop();
                assertThat(traffic.load.failures()).as("failed requests").isEqualTo(expectedFailures);
                traffic.assertNothingLost(cluster);
                System.out.print(chorus.transcript()); // in target/surefire-reports/*-output.txt
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + chorus.diagnostics(), e);
            }
        }
    }

    /** bin/chorus up with two instances of {@code jar} behind nginx; they get slots for up to four. */
    private static LocalChorus up(TestCluster cluster, Path jar) throws IOException {
        LocalChorus chorus = LocalChorus.create(cluster, 4).with("CHORUS_JAR", jar.toString());
        try {
            chorus.succeed(COMMAND, "up", "--instances", "2");
            return chorus;
        } catch (AssertionError | RuntimeException e) {
            chorus.close();
            throw e;
        }
    }

    /** Runs a deploy that must roll itself back: exit 1, these words in its output, release A still on both instances. */
    private static void rolledBack(LocalChorus chorus, Builds builds, List<String> reasons, String... args) {
        Result failed = chorus.chorus(COMMAND, args);
        assertThat(failed.exit()).as("exit of a deploy that was rolled back").isEqualTo(1);
        assertThat(failed.output()).contains(reasons);
        assertThat(chorus.builds()).isEqualTo(Map.of("chorus-1", builds.releaseA(), "chorus-2", builds.releaseA()));
    }

    /** Malformed or impossible deploy, rollback and add commands: each refused with its reason, the cluster as it was. */
    private static void refusedWithoutChange(LocalChorus chorus, Map<String, String> builds, Path jar) {
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("deploy"), "deploy needs --strategy rolling, blue-green or canary");
        cases.put(List.of("deploy", "--strategy", "sideways", "--jar", jar.toString()), "deploy needs --strategy");
        cases.put(List.of("deploy", "--strategy"), "--strategy needs rolling, blue-green or canary");
        cases.put(List.of("deploy", "--strategy", "rolling", "--jar", jar + ".missing"), "no jar at");
        cases.put(List.of("deploy", "--strategy", "rolling", "--jar", jar.toString(), "--gate-timeout", "0"), "--gate-timeout");
        cases.put(List.of("deploy", "--strategy", "rolling", "--jar", jar.toString(), "--gate-timeout", "1;reboot"), "--gate-timeout");
        cases.put(List.of("deploy", "--strategy", "canary", "--jar", jar.toString(), "--max-error-rate", "2"), "--max-error-rate");
        cases.put(List.of("deploy", "--strategy", "canary", "--jar", jar.toString(), "--min-requests", "-1"), "--min-requests");
        cases.put(List.of("deploy", "--strategy", "rolling", "--jar", jar.toString(), "--force"), "unknown option for deploy: --force");
        cases.put(List.of("rollback"), "nothing to roll back to");
        cases.put(List.of("rollback", "now"), "usage: bin/chorus rollback");
        cases.put(List.of("add", "chorus-9"), "usage: bin/chorus add");
        cases.forEach((args, reason) -> {
            Result result = chorus.chorus(COMMAND, args.toArray(String[]::new));
            assertThat(result.exit()).as("exit of bin/chorus %s: %s", args, result.output()).isNotZero();
            assertThat(result.output()).as("bin/chorus %s", args).contains(reason);
        });
        assertThat(chorus.builds()).as("what runs after the refused commands").isEqualTo(builds);
    }

    private static void awaitServedByEach(SteadyTraffic traffic, List<String> instances) {
        long mark = System.nanoTime();
        instances.forEach(id -> NginxBalancedClusterTest.awaitServed(traffic.load, id, traffic.load.servedBy(id) + 20,
                Duration.ofSeconds(60)));
        instances.forEach(id -> assertThat(traffic.load.servedBy(id, mark)).as("served by %s", id).isPositive());
    }

    /** Requests sent from now on are served by these instances and by no other. */
    private static void assertOnlyServedBy(SteadyTraffic traffic, List<String> instances) {
        long mark = System.nanoTime();
        traffic.awaitProgress(200);
        traffic.load.byInstance().keySet().stream().filter(id -> !instances.contains(id)).forEach(other ->
                assertThat(traffic.load.servedBy(other, mark)).as("requests sent after the switch that %s served", other).isZero());
        instances.forEach(id -> assertThat(traffic.load.servedBy(id, mark)).as("requests sent after the switch that %s served", id)
                .isPositive());
    }
}
