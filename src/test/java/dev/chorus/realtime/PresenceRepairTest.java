package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12, item 4: presence left wrong by a fault sets itself right. An instance started again under its id (after a
 * SIGKILL, before the leader saw it dead) drops what its earlier process left; counts that a lost leave or join
 * left wrong in Redis (Redis unreachable at that moment, or restarted empty) are corrected by reconciliation.
 */
class PresenceRepairTest {

    TestCluster cluster;
    Api api;
    Session alice;
    Session bob;
    String group;

    @BeforeEach
    void oneInstanceAndAGroup() {
        cluster = new TestCluster();
        // The leader's sweep of dead instances would also clear what these tests leave: it runs once, at start.
        api = cluster.start("rep-1", Map.of(), "--chorus.presence.reconcile-interval=PT0.5S",
                "--chorus.presence.sweep-interval=PT1H").api();
        alice = api.newUser("alice");
        bob = api.newUser("bob");
        group = api.createGroup(alice.accessToken(), "repair");
        api.post("/api/groups/" + group + "/members", alice.accessToken(), Map.of("email", bob.email()));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void anInstanceStartedAgainUnderItsIdDropsThePresenceItsEarlierProcessLeft() {
        redis(r -> ghost(r, "rep-2", bob.userId()));
        cluster.start("rep-2", Map.of(), "--chorus.presence.sweep-interval=PT1H");
        redis(r -> {
            assertThat(r.exists(key("presence-of", "rep-2"))).as("what the earlier rep-2 held").isZero();
            assertThat(r.hget(key("presence", group, bob.userId()), "rep-2")).isNull();
        });
        assertThat(onlineUserIds()).doesNotContain(bob.userId());
    }

    @Test
    void aGhostLeftByALostLeaveGoesAndASocketWhoseJoinWasLostComesBackWithoutTouchingTheOthers() {
        try (WsClient aliceWs = WsClient.connect(api, alice.accessToken())) {
            aliceWs.send(Map.of("type", "subscribe", "groupId", group));
            aliceWs.awaitType("subscribed");
            Await.until(Duration.ofSeconds(5), "alice online", this::onlineUserIds, online -> online.contains(alice.userId()));

            redis(r -> ghost(r, "rep-1", bob.userId())); // bob's socket closed while Redis was unreachable
            Await.until(Duration.ofSeconds(5), "bob shown online by the ghost count", this::onlineUserIds,
                    online -> online.contains(bob.userId()));
            Await.until(Duration.ofSeconds(10), "bob's ghost gone", this::onlineUserIds,
                    online -> !online.contains(bob.userId()) && online.contains(alice.userId()));

            redis(r -> { // Redis restarted empty under alice's open socket
                r.hdel(key("presence", group, alice.userId()), "rep-1");
                r.srem(key("presence", group), alice.userId());
                r.srem(key("presence-of", "rep-1"), group + "|" + alice.userId());
            });
            Await.until(Duration.ofSeconds(10), "alice back online", this::onlineUserIds, online -> online.contains(alice.userId()));
            redis(r -> assertThat(r.hget(key("presence", group, alice.userId()), "rep-1")).as("one socket").isEqualTo("1"));
        }
    }

    /** What an instance's presence script writes for one subscribed socket. */
    void ghost(RedisCommands<String, String> r, String instance, String user) {
        r.hincrby(key("presence", group, user), instance, 1);
        r.sadd(key("presence", group), user);
        r.sadd(key("presence-of", instance), group + "|" + user);
        r.sadd(key("presence-holders"), instance);
    }

    String key(String... parts) {
        return cluster.redisPrefix() + String.join(":", parts);
    }

    void redis(Consumer<RedisCommands<String, String>> action) {
        RedisClient client = RedisClient.create(TestCluster.REDIS);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            action.accept(c.sync());
        } finally {
            client.shutdown();
        }
    }

    List<String> onlineUserIds() {
        JsonNode online = api.get("/api/groups/" + group + "/presence", alice.accessToken()).json().path("online");
        return online.valueStream().map(e -> e.path("userId").asString()).toList();
    }
}
