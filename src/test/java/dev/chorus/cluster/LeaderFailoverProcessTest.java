package dev.chorus.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Separate processes, real signals: one leader at a time, a new one within 10 s of a SIGKILL, at once after SIGTERM. */
@Tag("process")
class LeaderFailoverProcessTest {

    TestCluster cluster;
    List<ChorusProcess> processes;

    @BeforeEach
    void startThreeProcesses() {
        cluster = new TestCluster();
        processes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            processes.add(cluster.startProcess("proc-" + i));
        }
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aNewLeaderWithAHigherFencingTokenTakesOverWithinTenSecondsOfASigkill() {
        Leader first = awaitSingleLeader(processes, Duration.ofSeconds(15));
        ChorusProcess leader = byId(first.instanceId());
        Instant killedAt = Instant.now();
        leader.kill();
        List<ChorusProcess> survivors = processes.stream().filter(p -> p != leader).toList();
        Leader next = awaitSingleLeader(survivors, Duration.ofSeconds(10));
        assertThat(Duration.between(killedAt, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(next.instanceId()).isNotEqualTo(first.instanceId());
        assertThat(next.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(metricLeader(byId(next.instanceId()))).isEqualTo("1.0");
    }

    @Test
    void aGracefulShutdownHandsLeadershipOverAtOnce() {
        Leader first = awaitSingleLeader(processes, Duration.ofSeconds(15));
        ChorusProcess leader = byId(first.instanceId());
        leader.terminate(Duration.ofSeconds(40));
        Instant exitedAt = Instant.now();
        List<ChorusProcess> survivors = processes.stream().filter(p -> p != leader).toList();
        Leader next = awaitSingleLeader(survivors, Duration.ofSeconds(10));
        assertThat(Duration.between(exitedAt, Instant.now())).as("leader after a graceful stop").isLessThan(Duration.ofSeconds(2));
        assertThat(next.fencingToken()).isGreaterThan(first.fencingToken());
    }

    record Leader(String instanceId, long fencingToken) {
    }

    /** Polls every instance until exactly one says it leads; never more than one at any poll. */
    static Leader awaitSingleLeader(List<ChorusProcess> among, Duration timeout) {
        return Await.until(timeout, "exactly one leader among " + among.stream().map(ChorusProcess::id).toList(), () -> {
            List<Leader> leaders = new ArrayList<>();
            for (ChorusProcess p : among) {
                leaderOf(p).ifPresent(leaders::add);
            }
            assertThat(leaders).as("at most one leader at a time").hasSizeLessThanOrEqualTo(1);
            return leaders;
        }, leaders -> leaders.size() == 1).getFirst();
    }

    static Optional<Leader> leaderOf(ChorusProcess p) {
        JsonNode detailed = p.api().get("/health/detailed", null).json();
        return detailed.path("leader").asBoolean()
                ? Optional.of(new Leader(detailed.path("instanceId").asString(), detailed.path("fencingToken").asLong()))
                : Optional.empty();
    }

    static String metricLeader(ChorusProcess p) {
        return p.api().get("/metrics", null).raw().body().lines()
                .filter(l -> l.startsWith("chorus_leader{")).map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("missing");
    }

    ChorusProcess byId(String id) {
        return processes.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }
}
