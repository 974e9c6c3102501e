package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.RedisServer;
import dev.chorus.support.StalledWsClient;
import dev.chorus.support.TcpProxy;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import io.lettuce.core.KillArgs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SPEC §4 and §5: delivery never waits for a later message, a replay never holds up live delivery, and an
 * instance whose own fan-out stops says so on /health/ready and mends itself. Faults are real: a SIGKILLed process,
 * pub/sub connections killed by Redis, a connection black-holed by a proxy between an instance and Redis.
 */
class SelfRepairingDeliveryTest {

    static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
    static RedisServer redis;
    static TestCluster cluster;
    static List<Api> apis;
    static Session owner;
    static Session member;

    @BeforeAll
    static void startTwoInstances() {
        redis = new RedisServer();
        cluster = new TestCluster().with("REDIS_URL", redis.url()).with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        apis = cluster.startMany(2).stream().map(TestCluster.Instance::api).toList();
        owner = apis.get(0).newUser("owner");
        member = apis.get(1).newUser("member");
    }

    @AfterAll
    static void stop() {
        cluster.close();
        redis.close();
    }

    @Test
    void aMessageWhoseInstanceDiedBeforePublishingItReachesEverySubscriberWithinFiveSeconds() {
        String group = groupWithMember("lost publication");
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", redis.port());
                WsClient onFirst = subscribed(apis.get(0), owner, group, null);
                WsClient onSecond = subscribed(apis.get(1), member, group, null)) {
            ChorusProcess poster = cluster.startProcess("poster", Map.of("REDIS_URL", "redis://127.0.0.1:" + proxy.port()));
            try (WsClient sender = WsClient.connect(poster.api(), owner.accessToken())) {
                sender.send(Map.of("type", "ping"));
                sender.awaitType("pong");
                assertThat(proxy.freezeAll()).as("the poster's Redis connections").isPositive();
                sender.send(Map.of("type", "send", "groupId", group, "content", "stored, never published",
                        "clientMessageId", "lost-1"));
                JsonNode ack = sender.awaitType("ack");
                assertThat(ack.path("seq").asLong()).isEqualTo(1);
                poster.kill();
            }
            assertThat(onFirst.messageSeqs(group, 1, FIVE_SECONDS)).containsExactly(1L);
            assertThat(onSecond.messageSeqs(group, 1, FIVE_SECONDS)).containsExactly(1L);
        }
    }

    @Test
    void aPublicationThatOvertakesTheOneBeforeItWaitsForItInsteadOfReadingHistory() {
        String group = groupWithMember("overtaken");
        // Neither the reorder wait nor the repair sweep may read history during this test: only the bus delivers.
        TestCluster.Instance watcher = cluster.start("watcher", Map.of(), "--chorus.realtime.reorder-wait=PT60S",
                "--chorus.realtime.repair-interval=PT60S");
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", redis.port());
                WsClient subscriber = subscribed(watcher.api(), member, group, null)) {
            ChorusProcess poster = cluster.startProcess("slow-poster", Map.of("REDIS_URL", "redis://127.0.0.1:" + proxy.port()));
            try (WsClient sender = WsClient.connect(poster.api(), owner.accessToken())) {
                sender.send(Map.of("type", "ping"));
                sender.awaitType("pong");
                proxy.partition(); // the poster's publications wait in the proxy, in order
                sender.send(Map.of("type", "send", "groupId", group, "content", "first, published late", "clientMessageId", "late-1"));
                assertThat(sender.awaitType("ack").path("seq").asLong()).isEqualTo(1);
                assertThat(apis.get(0).post("/api/messages", owner.accessToken(), Map.of("content", "second, published at once",
                        "targetType", "group", "targetIds", List.of(group))).json().path("messages").path(0).path("seq").asLong())
                        .isEqualTo(2);
                Await.until(FIVE_SECONDS, "the watcher holds seq 2 back", () -> counter(watcher.api(), "chorus_fanout_held_total") >= 1);
                assertThat(subscriber.unread(WsClient.messageOf(group))).as("nothing emitted out of order").isEmpty();

                proxy.heal();
                assertThat(subscriber.messageSeqs(group, 2, FIVE_SECONDS)).containsExactly(1L, 2L);
                assertThat(counter(watcher.api(), "chorus_fanout_repaired_total")).as("messages read from history").isZero();
            } finally {
                poster.kill();
            }
        } finally {
            watcher.stop();
        }
    }

    @Test
    void aPublicationThatOvertookALostOneIsDeliveredAfterItFromHistoryWithinTheReorderWait() {
        String group = groupWithMember("overtook a lost one");
        TestCluster.Instance watcher = cluster.start("watcher-2", Map.of(), "--chorus.realtime.repair-interval=PT60S");
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", redis.port());
                WsClient subscriber = subscribed(watcher.api(), member, group, null)) {
            ChorusProcess poster = cluster.startProcess("lost-poster", Map.of("REDIS_URL", "redis://127.0.0.1:" + proxy.port()));
            try (WsClient sender = WsClient.connect(poster.api(), owner.accessToken())) {
                sender.send(Map.of("type", "ping"));
                sender.awaitType("pong");
                assertThat(proxy.freezeAll()).as("the poster's Redis connections").isPositive();
                sender.send(Map.of("type", "send", "groupId", group, "content", "never published", "clientMessageId", "lost-2"));
                assertThat(sender.awaitType("ack").path("seq").asLong()).isEqualTo(1);
                poster.kill();
            }
            assertThat(apis.get(0).post("/api/messages", owner.accessToken(), Map.of("content", "published",
                    "targetType", "group", "targetIds", List.of(group))).status()).isEqualTo(201);
            // The repair sweep is a minute away: only the feed's own reorder wait (100 ms) can bring seq 1 this soon.
            assertThat(subscriber.messageSeqs(group, 2, FIVE_SECONDS)).containsExactly(1L, 2L);
            assertThat(counter(watcher.api(), "chorus_fanout_repaired_total")).isEqualTo(1);
        } finally {
            watcher.stop();
        }
    }

    /** A counter's value in an instance's /metrics (0 when it has no sample yet). */
    static double counter(Api api, String name) {
        return api.get("/metrics", null).raw().body().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void subscribersEndWithEverySeqWhenTheirPubSubConnectionsAreKilledWhileMessagesFlow() {
        String group = groupWithMember("pubsub killed");
        int total = 150;
        try (WsClient onFirst = subscribed(apis.get(0), owner, group, null);
                WsClient onSecond = subscribed(apis.get(1), member, group, null)) {
            for (int i = 1; i <= total; i++) {
                Api api = apis.get(i % 2);
                assertThat(api.post("/api/messages", owner.accessToken(), Map.of("content", "m" + i, "targetType", "group",
                        "targetIds", List.of(group), "clientMessageId", "k" + i)).status()).isEqualTo(201);
                if (i == total / 2 || i == total) {
                    assertThat(killBusConnections()).as("bus connections killed").isGreaterThanOrEqualTo(2);
                }
            }
            List<Long> all = LongStream.rangeClosed(1, total).boxed().toList();
            assertThat(onFirst.messageSeqs(group, total, Duration.ofSeconds(15))).isEqualTo(all);
            assertThat(onSecond.messageSeqs(group, total, Duration.ofSeconds(15))).isEqualTo(all);
        }
    }

    @Test
    void aStalledSubscriptionTurnsReadinessToBusStalledAndTheInstanceMendsItselfWithoutARestart() {
        String group = groupWithMember("bus stalled");
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", redis.port())) {
            TestCluster.Instance stalled = cluster.start("stalled", Map.of("REDIS_URL", "redis://127.0.0.1:" + proxy.port()));
            Api api = stalled.api();
            try (WsClient subscriber = subscribed(api, member, group, null)) {
                assertThat(api.get("/health/ready", null).status()).isEqualTo(200);
                assertThat(proxy.freeze(link -> link.clientSent("SUBSCRIBE"))).as("pub/sub connections frozen").isEqualTo(1);

                Await.until(Duration.ofSeconds(10), "readiness reports bus-stalled", () -> api.get("/health/ready", null),
                        ready -> ready.status() == 503 && ready.json().path("reasons").toString().equals("[\"bus-stalled\"]"));
                Await.until(Duration.ofSeconds(15), "ready again", () -> api.get("/health/ready", null).status() == 200);

                assertThat(apis.get(0).post("/api/messages", owner.accessToken(), Map.of("content", "after the stall",
                        "targetType", "group", "targetIds", List.of(group))).status()).isEqualTo(201);
                assertThat(subscriber.messageSeqs(group, 1, FIVE_SECONDS)).containsExactly(1L);
            } finally {
                stalled.stop();
            }
        }
    }

    @Test
    void aReplayToASubscriberThatReadsNothingNeverDelaysLiveDeliveryToTheOthers() throws Exception {
        String group = groupWithMember("slow replay");
        int stored = 20_000;
        cluster.sql("""
                INSERT INTO messages (id, group_id, seq, sender_id, content, created_at)
                SELECT gen_random_uuid(), '%s', s, '%s', repeat('x', 1000), now() FROM generate_series(1, %d) s"""
                .formatted(group, owner.userId(), stored),
                "UPDATE groups SET last_seq = %d WHERE id = '%s'".formatted(stored, group));
        Api api = apis.get(0);
        try (StalledWsClient slow = new StalledWsClient(api, member.accessToken());
                WsClient first = subscribed(api, owner, group, null);
                WsClient second = subscribed(api, member, group, null)) {
            slow.sendText("{\"type\":\"subscribe\",\"groupId\":\"" + group + "\",\"afterSeq\":0}");
            for (int i = 1; i <= 10; i++) {
                Instant posted = Instant.now();
                assertThat(api.post("/api/messages", owner.accessToken(), Map.of("content", "live " + i, "targetType", "group",
                        "targetIds", List.of(group))).status()).isEqualTo(201);
                long seq = stored + i;
                for (WsClient live : List.of(first, second)) {
                    Duration left = Duration.between(Instant.now(), posted.plusSeconds(1));
                    live.await(f -> "message".equals(f.path("type").asString()) && f.path("message").path("seq").asLong() == seq,
                            left.isNegative() ? Duration.ZERO : left);
                }
            }
        }
    }

    @Test
    void aDatabaseErrorWhileAFeedStartsOrReplaysEndsThatSubscriptionWithAnErrorFrameAndNoWrongLastSeq() throws Exception {
        String role = "chorus_r_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        TestCluster restricted = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        try {
            restricted.sql("CREATE ROLE " + role + " LOGIN", "ALTER DATABASE " + restricted.database() + " OWNER TO " + role);
            Api api = restricted.start("restricted", Map.of("DATABASE_URL", TestCluster.POSTGRES.replace("postgres@", role + "@")
                    + restricted.database())).api();
            Session alice = api.newUser("alice");
            String group = api.createGroup(alice.accessToken(), "db errors");
            for (int i = 1; i <= 3; i++) {
                api.post("/api/messages", alice.accessToken(), Map.of("content", "m" + i, "targetType", "group", "targetIds", List.of(group)));
            }
            try (WsClient ws = WsClient.connect(api, alice.accessToken())) {
                restricted.sql("REVOKE SELECT ON groups FROM " + role, "GRANT SELECT (id, name, owner_id, created_at) ON groups TO " + role);
                ws.send(Map.of("type", "subscribe", "groupId", group));
                JsonNode refused = ws.await(f -> !"presence".equals(f.path("type").asString()), FIVE_SECONDS);
                assertThat(refused.path("error").asString()).as("%s", refused).isEqualTo("subscribe_failed");
                restricted.sql("GRANT SELECT ON groups TO " + role);

                restricted.sql("REVOKE SELECT ON messages FROM " + role);
                ws.send(Map.of("type", "subscribe", "groupId", group, "afterSeq", 0));
                JsonNode subscribed = ws.awaitType("subscribed");
                assertThat(subscribed.path("lastSeq").asLong()).isEqualTo(3);
                JsonNode failed = ws.await(f -> "error".equals(f.path("type").asString()), FIVE_SECONDS);
                assertThat(failed.path("error").asString()).isEqualTo("subscribe_failed");
                restricted.sql("GRANT SELECT ON messages TO " + role);

                ws.send(Map.of("type", "subscribe", "groupId", group, "afterSeq", 1));
                assertThat(ws.awaitType("subscribed").path("lastSeq").asLong()).isEqualTo(3);
                assertThat(ws.messageSeqs(group, 2, FIVE_SECONDS)).containsExactly(2L, 3L);
                api.post("/api/messages", alice.accessToken(), Map.of("content", "m4", "targetType", "group", "targetIds", List.of(group)));
                assertThat(ws.messageSeqs(group, 1, FIVE_SECONDS)).containsExactly(4L);
                ws.send(Map.of("type", "ping"));
                JsonNode next = ws.await(f -> !"presence".equals(f.path("type").asString()), FIVE_SECONDS);
                assertThat(next.path("type").asString()).as("nothing but the pong after seq 4: %s", next).isEqualTo("pong");
            }
        } finally {
            restricted.close();
            TestCluster.admin("DROP ROLE IF EXISTS " + role);
        }
    }

    /** CLIENT KILL TYPE pubsub on this test's own Redis: every instance's bus subscription drops at once. */
    static long killBusConnections() {
        return redis.command(c -> c.sync().clientKill(KillArgs.Builder.typePubsub()));
    }

    static String groupWithMember(String name) {
        String group = apis.get(0).createGroup(owner.accessToken(), name);
        assertThat(apis.get(0).post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status())
                .isEqualTo(201);
        return group;
    }

    static WsClient subscribed(Api api, Session who, String group, Long afterSeq) {
        WsClient ws = WsClient.connect(api, who.accessToken());
        ws.send(afterSeq == null ? Map.of("type", "subscribe", "groupId", group)
                : Map.of("type", "subscribe", "groupId", group, "afterSeq", afterSeq));
        assertThat(ws.awaitType("subscribed").path("groupId").asString()).isEqualTo(group);
        return ws;
    }
}
