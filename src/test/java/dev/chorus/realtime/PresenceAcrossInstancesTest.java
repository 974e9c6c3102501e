package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Presence is cluster-wide: connect, disconnect, and the death of an instance (real SIGKILL of a process). */
@Tag("process")
class PresenceAcrossInstancesTest {

    TestCluster cluster;
    ChorusProcess one;
    ChorusProcess two;
    ChorusProcess three;
    Session alice;
    Session bob;
    Session carol;
    String group;

    @BeforeEach
    void threeProcessesAndAGroup() {
        cluster = new TestCluster();
        one = cluster.startProcess("pres-1");
        two = cluster.startProcess("pres-2");
        three = cluster.startProcess("pres-3");
        alice = one.api().newUser("alice");
        bob = two.api().newUser("bob");
        carol = three.api().newUser("carol");
        group = one.api().createGroup(alice.accessToken(), "presence");
        one.api().post("/api/groups/" + group + "/members", alice.accessToken(), Map.of("email", bob.email()));
        one.api().post("/api/groups/" + group + "/members", alice.accessToken(), Map.of("email", carol.email()));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void subscribingAndDisconnectingShowOnEveryInstance() {
        try (WsClient bobWs = subscribe(two.api(), bob)) {
            WsClient aliceWs = subscribe(one.api(), alice);
            JsonNode online = bobWs.await(f -> isPresence(f, alice.userId(), "online"), Duration.ofSeconds(10));
            assertThat(online.path("groupId").asString()).isEqualTo(group);
            JsonNode listed = onlineEntry(two.api(), alice.userId());
            assertThat(listed.path("displayName").asString()).isEqualTo("alice");
            assertThat(listed.path("instances").toString()).contains("pres-1");

            aliceWs.close();
            bobWs.await(f -> isPresence(f, alice.userId(), "offline"), Duration.ofSeconds(10));
            awaitOffline(one.api(), alice.userId(), Duration.ofSeconds(5));
        }
    }

    @Test
    void usersOfAKilledInstanceGoOfflineEverywhereWithinThirtySeconds() {
        try (WsClient bobWs = subscribe(two.api(), bob); WsClient carolWs = subscribe(three.api(), carol)) {
            subscribe(one.api(), alice);
            bobWs.await(f -> isPresence(f, alice.userId(), "online"), Duration.ofSeconds(10));
            carolWs.await(f -> isPresence(f, alice.userId(), "online"), Duration.ofSeconds(10));
            Instant killedAt = Instant.now();
            one.kill();
            bobWs.await(f -> isPresence(f, alice.userId(), "offline"), Duration.ofSeconds(30));
            carolWs.await(f -> isPresence(f, alice.userId(), "offline"), Duration.ofSeconds(30));
            assertThat(Duration.between(killedAt, Instant.now())).isLessThan(Duration.ofSeconds(30));
            for (ChorusProcess survivor : java.util.List.of(two, three)) {
                awaitOffline(survivor.api(), alice.userId(), Duration.ofSeconds(1));
                assertThat(onlineUserIds(survivor.api())).contains(bob.userId(), carol.userId());
            }
        }
    }

    WsClient subscribe(Api api, Session who) {
        WsClient ws = WsClient.connect(api, who.accessToken());
        ws.send(Map.of("type", "subscribe", "groupId", group));
        ws.awaitType("subscribed");
        return ws;
    }

    static boolean isPresence(JsonNode frame, String userId, String status) {
        return "presence".equals(frame.path("type").asString()) && userId.equals(frame.path("userId").asString())
                && status.equals(frame.path("status").asString());
    }

    /** The user's entry in the presence list, once it is there (the list and the frames are updated separately). */
    JsonNode onlineEntry(Api api, String userId) {
        JsonNode online = Await.until(Duration.ofSeconds(5), userId + " in the presence list of " + api.base(),
                () -> api.get("/api/groups/" + group + "/presence", bob.accessToken()).json().path("online"),
                list -> entryOf(list, userId) != null);
        return entryOf(online, userId);
    }

    static JsonNode entryOf(JsonNode online, String userId) {
        return online.valueStream().filter(entry -> userId.equals(entry.path("userId").asString())).findFirst().orElse(null);
    }

    List<String> onlineUserIds(Api api) {
        JsonNode online = api.get("/api/groups/" + group + "/presence", bob.accessToken()).json().path("online");
        return online.valueStream().map(e -> e.path("userId").asString()).toList();
    }

    void awaitOffline(Api api, String userId, Duration timeout) {
        Await.until(timeout, userId + " offline in the presence list of " + api.base(), () -> onlineUserIds(api),
                online -> !online.contains(userId));
    }
}
