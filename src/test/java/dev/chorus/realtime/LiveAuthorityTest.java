package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SPEC §4: a socket's authority is live on every instance within 2 seconds: removal from a group ends that
 * subscription and its presence, logout or a revoked session closes the socket with 4001, an expired token closes
 * it with 4001 unless an {@code auth} frame replaced it. The socket is on one instance, the action on the other.
 */
class LiveAuthorityTest {

    /** Two seconds plus the slack of a busy two-core machine between the action's answer and the check. */
    static final Duration WITHIN = Duration.ofMillis(2500);
    static TestCluster cluster;
    static Api socketSide;
    static Api actionSide;
    static Session owner;

    @BeforeAll
    static void startTwoInstances() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        List<TestCluster.Instance> instances = cluster.startMany(2);
        socketSide = instances.get(0).api();
        actionSide = instances.get(1).api();
        owner = actionSide.newUser("owner");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aMemberRemovedOnAnotherInstanceIsUnsubscribedAndGoesOfflineWithinTwoSeconds() {
        Session member = socketSide.newUser("member");
        String group = groupWith(member);
        try (WsClient ws = subscribed(member, group)) {
            Await.until(WITHIN, "the member online", () -> online(group).contains(member.userId()));
            assertThat(actionSide.delete("/api/groups/" + group + "/members/" + member.userId(), owner.accessToken()).status()).isEqualTo(204);
            JsonNode unsubscribed = ws.await(f -> "unsubscribed".equals(f.path("type").asString()), WITHIN);
            assertThat(unsubscribed.path("groupId").asString()).isEqualTo(group);
            assertThat(unsubscribed.path("reason").asString()).isEqualTo("removed");
            Await.until(WITHIN, "the member offline in the group", () -> !online(group).contains(member.userId()));

            post(group, "after the removal");
            ws.send(Map.of("type", "ping"));
            JsonNode next = ws.await(f -> !"presence".equals(f.path("type").asString()), WITHIN);
            assertThat(next.path("type").asString()).as("nothing of the group after removal: %s", next).isEqualTo("pong");
            assertThat(ws.isClosed()).isFalse();
        }
    }

    @Test
    void aMembershipDeletedBehindTheServersBackIsNoticedWithinTwoSeconds() {
        Session member = socketSide.newUser("quiet");
        String group = groupWith(member);
        try (WsClient ws = subscribed(member, group)) {
            cluster.sql("DELETE FROM group_members WHERE group_id = '" + group + "' AND user_id = '" + member.userId() + "'");
            JsonNode unsubscribed = ws.await(f -> "unsubscribed".equals(f.path("type").asString()), WITHIN);
            assertThat(unsubscribed.path("reason").asString()).isEqualTo("removed");
        }
    }

    @Test
    void logoutOnAnotherInstanceClosesThatSessionsSocketsWith4001AndLeavesOtherSessionsOpen() {
        Session member = socketSide.newUser("logsout");
        Session sameUserElsewhere = socketSide.login(member.email(), "correct horse battery");
        String group = groupWith(member);
        try (WsClient loggedOut = subscribed(member, group); WsClient other = subscribed(sameUserElsewhere, group)) {
            assertThat(actionSide.post("/api/auth/logout", member.accessToken(), Map.of()).status()).isEqualTo(204);
            assertThat(loggedOut.awaitClose(WITHIN)).isEqualTo(4001);
            other.send(Map.of("type", "ping"));
            assertThat(other.awaitType("pong")).isNotNull();
            assertThat(other.isClosed()).isFalse();
        }
    }

    @Test
    void presentingARotatedRefreshTokenAgainClosesTheSessionsSocketsWith4001() {
        Session member = socketSide.newUser("robbed");
        Response refreshed = socketSide.post("/api/auth/refresh", null, Map.of("refreshToken", member.refreshToken()));
        assertThat(refreshed.status()).isEqualTo(200);
        try (WsClient ws = WsClient.connect(socketSide, refreshed.text("accessToken"))) {
            ws.send(Map.of("type", "ping"));
            ws.awaitType("pong");
            Response reused = actionSide.post("/api/auth/refresh", null, Map.of("refreshToken", member.refreshToken()));
            assertThat(reused.text("error")).isEqualTo("refresh_token_reused");
            assertThat(ws.awaitClose(WITHIN)).isEqualTo(4001);
        }
    }

    @Test
    void anAuthFrameWithAnotherUsersTokenIsRefusedAndTheSocketKeepsItsOwn() {
        Session member = socketSide.newUser("keeps");
        String group = groupWith(member);
        try (WsClient ws = subscribed(member, group)) {
            ws.send(Map.of("type", "auth", "token", owner.accessToken()));
            JsonNode refused = ws.awaitType("error");
            assertThat(refused.path("error").asString()).isEqualTo("forbidden");
            ws.send(Map.of("type", "auth", "token", "not-a-jwt"));
            assertThat(ws.awaitType("error").path("error").asString()).isEqualTo("unauthorized");
            post(group, "still here");
            assertThat(ws.messageSeqs(group, 1, WITHIN)).hasSize(1);
            assertThat(ws.isClosed()).isFalse();
        }
    }

    /** Tokens that live six seconds, on a cluster of their own. */
    @Test
    void anExpiredTokenClosesTheSocketWith4001UnlessAnAuthFrameReplacedIt() {
        try (TestCluster shortLived = new TestCluster().with("ACCESS_TOKEN_TTL", "PT6S").with("RATE_LIMIT_PER_IP", "0")
                .with("RATE_LIMIT_PER_USER", "0")) {
            Api api = shortLived.start("short").api();
            Session expiring = api.newUser("expiring");
            Instant expiry = Instant.now().plusSeconds(6);
            try (WsClient left = WsClient.connect(api, expiring.accessToken())) {
                Session refreshing = api.newUser("refreshing");
                Instant firstExpiry = Instant.now().plusSeconds(6);
                try (WsClient renewed = WsClient.connect(api, refreshing.accessToken())) {
                    // Half-way through the first token's life, so the new one outlives it by three seconds.
                    Await.until(Duration.ofSeconds(5), "half-way", () -> Instant.now().isAfter(firstExpiry.minusSeconds(3)));
                    Response refreshed = api.post("/api/auth/refresh", null, Map.of("refreshToken", refreshing.refreshToken()));
                    assertThat(refreshed.status()).as("%s", refreshed).isEqualTo(200);
                    renewed.send(Map.of("type", "auth", "token", refreshed.text("accessToken")));
                    JsonNode authenticated = renewed.awaitType("authenticated");
                    assertThat(Instant.parse(authenticated.path("expiresAt").asString())).isAfter(Instant.now());

                    assertThat(left.awaitClose(Duration.ofSeconds(6).plus(WITHIN))).isEqualTo(4001);
                    assertThat(Instant.now()).as("closed at expiry, not long before").isAfter(expiry.minusSeconds(2));

                    Await.until(Duration.ofSeconds(10), "past the first token's expiry",
                            () -> Instant.now().isAfter(firstExpiry.plusMillis(1500)));
                    assertThat(renewed.isClosed()).as("the socket that sent a new token").isFalse();
                    renewed.send(Map.of("type", "ping"));
                    assertThat(renewed.awaitType("pong")).isNotNull();
                }
            }
        }
    }

    static List<String> online(String group) {
        Response presence = actionSide.get("/api/groups/" + group + "/presence", owner.accessToken());
        return presence.json().path("online").valueStream().map(u -> u.path("userId").asString()).toList();
    }

    static String groupWith(Session member) {
        String group = actionSide.createGroup(owner.accessToken(), "authority");
        assertThat(actionSide.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status())
                .isEqualTo(201);
        return group;
    }

    static WsClient subscribed(Session who, String group) {
        WsClient ws = WsClient.connect(socketSide, who.accessToken());
        ws.send(Map.of("type", "subscribe", "groupId", group));
        assertThat(ws.awaitType("subscribed").path("groupId").asString()).isEqualTo(group);
        return ws;
    }

    static void post(String group, String content) {
        assertThat(actionSide.post("/api/messages", owner.accessToken(), Map.of("content", content, "targetType", "group",
                "targetIds", List.of(group))).status()).isEqualTo(201);
    }
}
