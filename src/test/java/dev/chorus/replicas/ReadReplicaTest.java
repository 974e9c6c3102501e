package dev.chorus.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.PrivatePostgres;
import dev.chorus.support.TestCluster;
import dev.chorus.support.TestCluster.Instance;
import dev.chorus.support.WsClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 18, read replicas: a private primary with a streaming replica, and two instances reading from it, one
 * that tolerates any lag (so a replica held back shows in what it answers) and one that tolerates a second. The
 * replica is held back with {@code pg_wal_replay_pause()}, the lag bound the instances see is measured, not set.
 */
@Tag("process")
class ReadReplicaTest {

    static PrivatePostgres primary;
    static PrivatePostgres replica;
    static TestCluster cluster;
    static Instance patient;
    static Instance strict;

    @BeforeAll
    static void startPrimaryReplicaAndTwoInstances() {
        primary = PrivatePostgres.start(Map.of(), List.of());
        primary.sql("postgres", "CREATE DATABASE chorus");
        replica = primary.replica();
        // The cluster's own database on the shared server stays unused: these instances use the private primary.
        cluster = new TestCluster().with("DATABASE_URL", primary.url("chorus"))
                .with("DATABASE_REPLICA_URLS", replica.url("chorus"));
        patient = cluster.start("patient", Map.of("DATABASE_REPLICA_MAX_LAG", "PT1H"));
        strict = cluster.start("strict", Map.of("DATABASE_REPLICA_MAX_LAG", "PT1S"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void historyComesFromTheReplicaButAResumingSubscriberGetsWhatTheReplicaHasNotReplayed() {
        Api api = patient.api();
        Session ada = api.newUser("ada");
        String group = replicatedGroup(ada);
        Await.until(Duration.ofSeconds(30), "a history read counted as served by the replica", () -> {
            double before = reads(patient, "replica-1");
            return seqs(history(patient, ada, group)).equals(List.of(1L)) && reads(patient, "replica-1") > before;
        }, served -> served);

        pauseReplay();
        try {
            post(api, ada, group, "second");
            post(api, ada, group, "third");
            // Only the held-back replica can answer this: the primary holds three messages.
            Await.until(Duration.ofSeconds(30), "history from the held-back replica on the instance that tolerates any lag",
                    () -> seqs(history(patient, ada, group)), List.of(1L)::equals);
            try (WsClient socket = WsClient.authenticated(api, ada.accessToken())) {
                socket.send(Map.of("type", "subscribe", "groupId", group, "afterSeq", 0));
                assertThat(socket.awaitType("subscribed").path("lastSeq").asLong()).isEqualTo(3);
                assertThat(socket.messageSeqs(group, 3, Duration.ofSeconds(15))).containsExactly(1L, 2L, 3L);
            }
            awaitReplicaStatus(strict, "lagging");
            assertThat(seqs(history(strict, ada, group))).as("history on the instance that tolerates a second: the primary's")
                    .containsExactly(1L, 2L, 3L);
        } finally {
            replica.sql("chorus", "SELECT pg_wal_replay_resume()");
        }
        awaitHistory(patient, ada, group, 3);
        awaitReplicaStatus(strict, "up");
    }

    @Test
    void stoppingTheReplicaChangesNothingAUserSees() {
        Api api = patient.api();
        Session bob = api.newUser("bob");
        String group = replicatedGroup(bob);

        replica.stop();
        try {
            for (Instance instance : List.of(patient, strict)) {
                assertThat(seqs(history(instance, bob, group))).as("history on %s right after the replica stopped", instance.id())
                        .containsExactly(1L);
            }
            post(api, bob, group, "after");
            assertThat(seqs(history(patient, bob, group))).containsExactly(1L, 2L);
            try (WsClient socket = WsClient.authenticated(api, bob.accessToken())) {
                socket.send(Map.of("type", "subscribe", "groupId", group, "afterSeq", 0));
                assertThat(socket.messageSeqs(group, 2, Duration.ofSeconds(15))).containsExactly(1L, 2L);
            }
            awaitReplicaStatus(patient, "down");
            assertThat(patient.api().get("/health/ready", null).status()).as("a replica is no dependency of readiness").isEqualTo(200);
        } finally {
            replica.start();
        }
        awaitReplicaStatus(patient, "up");
    }

    /** A group of the user's with one message, which the replica has replayed; both instances read from the replica. */
    private static String replicatedGroup(Session user) {
        String group = patient.api().createGroup(user.accessToken(), "replicated");
        post(patient.api(), user, group, "first");
        awaitOnReplica(group, 1);
        awaitReplicaStatus(patient, "up");
        awaitReplicaStatus(strict, "up");
        return group;
    }

    private static void awaitOnReplica(String group, int count) {
        Await.until(Duration.ofSeconds(30), count + " messages of the group replayed on the replica",
                () -> replica.queryText("chorus", "SELECT count(*) FROM messages WHERE group_id = '" + group + "'"),
                Integer.toString(count)::equals);
    }

    private static void pauseReplay() {
        replica.sql("chorus", "SELECT pg_wal_replay_pause()");
        Await.until(Duration.ofSeconds(20), "replay paused on the replica",
                () -> replica.queryText("chorus", "SELECT pg_get_wal_replay_pause_state()"), "paused"::equals);
    }

    private static void post(Api api, Session user, String group, String content) {
        Response r = api.post("/api/messages", user.accessToken(), Map.of("content", content, "targetType", "group",
                "targetIds", List.of(group)));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    private static Response history(Instance instance, Session user, String group) {
        Response r = instance.api().get("/api/groups/" + group + "/messages", user.accessToken());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r;
    }

    private static List<Long> seqs(Response history) {
        return StreamSupport.stream(history.json().path("messages").spliterator(), false).map(m -> m.path("seq").asLong()).toList();
    }

    private static void awaitHistory(Instance instance, Session user, String group, int count) {
        Await.until(Duration.ofSeconds(30), count + " messages in the history " + instance.id() + " answers",
                () -> seqs(history(instance, user, group)), seen -> seen.size() == count);
    }

    private static void awaitReplicaStatus(Instance instance, String status) {
        Await.until(Duration.ofSeconds(30), "replica " + status + " in " + instance.id() + "'s /health/detailed",
                () -> instance.api().get("/health/detailed", null).json().path("replicas"),
                (JsonNode replicas) -> status.equals(replicas.path(0).path("status").asString()));
    }

    private static double reads(Instance instance, String target) {
        return instance.bean(MeterRegistry.class).counter("chorus.db.reads", "target", target).count();
    }
}
