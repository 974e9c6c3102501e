package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.StalledWsClient;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SPEC §2's socket limits, each at its boundary: sockets per user across the cluster, subscriptions per socket,
 * sockets per instance (refused with 503 and reported by readiness while the rest keeps working), subscribe frames
 * under the per-user rate limit, and the idle timeout for a peer that never answers pings.
 */
class SocketLimitsTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static TestCluster cluster;
    static Api first;
    static Api second;
    static Api crowded;
    static Api strict;
    static Api impatient;

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0")
                .with("WS_MAX_SOCKETS_PER_USER", "3").with("WS_MAX_SUBSCRIPTIONS", "2");
        first = cluster.start("limits-1").api();
        second = cluster.start("limits-2").api();
        crowded = cluster.start("crowded", Map.of("WS_MAX_CONNECTIONS", "3", "WS_MAX_SOCKETS_PER_USER", "100")).api();
        strict = cluster.start("strict", Map.of("RATE_LIMIT_PER_USER", "5")).api();
        impatient = cluster.start("impatient", Map.of(), "--chorus.realtime.ping-interval=PT1S",
                "--chorus.realtime.idle-timeout=PT3S").api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aUserHoldsAtMostTheirSocketsAcrossTheClusterAndGetsASlotBackWhenOneCloses() {
        Session user = first.newUser("many");
        List<WsClient> open = new ArrayList<>();
        try {
            open.add(WsClient.connect(first, user.accessToken()));
            open.add(WsClient.connect(first, user.accessToken()));
            WsClient byFrame = WsClient.connect(second, null);
            open.add(byFrame);
            byFrame.send(Map.of("type", "auth", "token", user.accessToken()));
            byFrame.awaitType("authenticated");

            assertThat(upgradeStatus(second, user.accessToken())).as("a fourth socket by query token").isEqualTo(429);
            try (WsClient fourth = WsClient.connect(first, null)) {
                fourth.send(Map.of("type", "auth", "token", user.accessToken()));
                assertThat(fourth.awaitType("error").path("error").asString()).isEqualTo("too_many_sockets");
                assertThat(fourth.awaitClose(WAIT)).isEqualTo(1008);
            }

            open.removeFirst().close();
            Await.until(WAIT, "a slot given back", () -> upgradeStatus(second, user.accessToken()) == 101);
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void aSocketSubscribesToAtMostItsGroupsAndMaySubscribeAgainToOneItHolds() {
        Session user = first.newUser("subscriber");
        List<String> groups = List.of(first.createGroup(user.accessToken(), "a"), first.createGroup(user.accessToken(), "b"),
                first.createGroup(user.accessToken(), "c"));
        try (WsClient ws = WsClient.connect(first, user.accessToken())) {
            for (String group : groups.subList(0, 2)) {
                ws.send(Map.of("type", "subscribe", "groupId", group));
                ws.await(f -> "subscribed".equals(f.path("type").asString()) && group.equals(f.path("groupId").asString()), WAIT);
            }
            ws.send(Map.of("type", "subscribe", "groupId", groups.get(2)));
            assertThat(ws.awaitType("error").path("error").asString()).isEqualTo("too_many_subscriptions");
            ws.send(Map.of("type", "subscribe", "groupId", groups.get(0), "afterSeq", 0));
            assertThat(ws.awaitType("subscribed").path("groupId").asString()).isEqualTo(groups.get(0));
        }
    }

    @Test
    void pastItsSocketCeilingAnInstanceRefusesUpgradesWith503AndSaysSoWhileEverythingElseWorks() {
        Session user = crowded.newUser("crowd");
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(WsClient.connect(crowded, user.accessToken()));
            }
            Await.until(WAIT, "three sockets counted", () -> crowded.get("/health/ready", null).status() == 503);
            assertThat(upgradeStatus(crowded, user.accessToken())).isEqualTo(503);
            Api.Response ready = crowded.get("/health/ready", null);
            assertThat(ready.json().path("reasons").toString()).isEqualTo("[\"connections-full\"]");
            assertThat(crowded.get("/health/live", null).status()).isEqualTo(200);
            assertThat(crowded.get("/api/users/me", user.accessToken()).status()).isEqualTo(200);
            open.getFirst().send(Map.of("type", "ping"));
            assertThat(open.getFirst().awaitType("pong")).isNotNull();

            open.removeFirst().close();
            Await.until(WAIT, "ready again", () -> crowded.get("/health/ready", null).status() == 200);
            assertThat(upgradeStatus(crowded, user.accessToken())).isEqualTo(101);
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void subscribeAndUnsubscribeFramesCountAgainstThePerUserRateLimit() {
        Session user = strict.newUser("hasty");
        String group = strict.createGroup(user.accessToken(), "hasty");
        try (WsClient ws = WsClient.connect(strict, user.accessToken())) {
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ws.send(Map.of("type", i % 2 == 0 ? "subscribe" : "unsubscribe", "groupId", group));
                JsonNode reply = ws.await(f -> !"presence".equals(f.path("type").asString()), WAIT);
                replies.add(reply.path("type").asString());
            }
            ws.send(Map.of("type", "subscribe", "groupId", group));
            JsonNode limited = ws.await(f -> "error".equals(f.path("type").asString()), WAIT);
            assertThat(limited.path("error").asString()).as("after %s", replies).isEqualTo("rate_limited");
        }
    }

    @Test
    void aPeerThatNeverAnswersPingsIsClosedAfterTheIdleTimeoutWhileOneThatAnswersStays() throws Exception {
        Session user = impatient.newUser("idle");
        try (StalledWsClient silent = new StalledWsClient(impatient, user.accessToken());
                WsClient answering = WsClient.connect(impatient, user.accessToken())) {
            Instant opened = Instant.now();
            assertThat(silent.drainUntilClose()).isEqualTo(1001);
            assertThat(Duration.between(opened, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            assertThat(answering.isClosed()).isFalse();
            answering.send(Map.of("type", "ping"));
            assertThat(answering.awaitType("pong")).isNotNull();
        }
    }

    /** The HTTP status of an upgrade: 101 when it succeeded (the socket is closed again at once). */
    static int upgradeStatus(Api api, String token) {
        try {
            WsClient.connect(api, token).close();
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }
}
