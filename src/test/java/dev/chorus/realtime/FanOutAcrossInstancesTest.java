package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Messages accepted by any instance, over REST or WebSocket, reach every subscriber on every instance, in order, once. */
class FanOutAcrossInstancesTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static TestCluster cluster;
    static List<Api> apis;
    static Session owner;
    static Session member;

    @BeforeAll
    static void startThreeInstances() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        apis = cluster.startMany(3).stream().map(TestCluster.Instance::api).toList();
        owner = apis.get(0).newUser("owner");
        member = apis.get(1).newUser("member");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static String groupWithMember(String name) {
        String group = apis.get(0).createGroup(owner.accessToken(), name);
        assertThat(apis.get(0).post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status()).isEqualTo(201);
        return group;
    }

    static WsClient subscribed(Api api, Session who, String group, Long afterSeq) {
        WsClient ws = WsClient.connect(api, who.accessToken());
        ws.send(afterSeq == null ? Map.of("type", "subscribe", "groupId", group)
                : Map.of("type", "subscribe", "groupId", group, "afterSeq", afterSeq));
        JsonNode subscribed = ws.awaitType("subscribed");
        assertThat(subscribed.path("groupId").asString()).isEqualTo(group);
        return ws;
    }

    @Test
    void subscribersOnEveryInstanceReceiveEveryMessageExactlyOnceAndInOrder() throws Exception {
        String a = groupWithMember("fan-a");
        String b = groupWithMember("fan-b");
        List<WsClient> onA = new ArrayList<>();
        List<WsClient> onB = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            onA.add(subscribed(apis.get(i), i % 2 == 0 ? owner : member, a, null));
            onB.add(subscribed(apis.get(i), i % 2 == 0 ? member : owner, b, null));
        }
        List<WsClient> senders = List.of(WsClient.connect(apis.get(0), owner.accessToken()),
                WsClient.connect(apis.get(1), member.accessToken()), WsClient.connect(apis.get(2), owner.accessToken()));
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int instance = i;
                work.add(pool.submit(() -> {
                    for (int n = 0; n < 40; n++) {
                        Session who = instance == 1 ? member : owner;
                        apis.get(instance).post("/api/messages", who.accessToken(), Map.of("content", "rest " + n,
                                "targetType", "group", "targetIds", List.of(a, b)));
                    }
                }));
                work.add(pool.submit(() -> {
                    for (int n = 0; n < 40; n++) {
                        senders.get(instance).send(Map.of("type", "send", "groupId", a, "content", "ws " + n,
                                "clientMessageId", "ws-" + instance + "-" + n));
                    }
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        List<Long> expectedA = LongStream.rangeClosed(1, 240).boxed().toList();
        List<Long> expectedB = LongStream.rangeClosed(1, 120).boxed().toList();
        for (WsClient ws : onA) {
            assertThat(ws.messageSeqs(a, 240, WAIT)).isEqualTo(expectedA);
        }
        for (WsClient ws : onB) {
            assertThat(ws.messageSeqs(b, 120, WAIT)).isEqualTo(expectedB);
        }
        // One more message as a marker: a group's messages arrive in seq order, so a duplicate would come before it.
        post(apis.get(0), a, "marker");
        post(apis.get(0), b, "marker");
        for (WsClient ws : onA) {
            assertThat(ws.messageSeqs(a, 1, WAIT)).as("nothing more, no duplicate").containsExactly(241L);
        }
        for (WsClient ws : onB) {
            assertThat(ws.messageSeqs(b, 1, WAIT)).as("nothing more, no duplicate").containsExactly(121L);
        }
        senders.forEach(WsClient::close);
        onA.forEach(WsClient::close);
        onB.forEach(WsClient::close);
    }

    @Test
    void aSendFrameIsAcknowledgedWithItsSeqAndRetriesAreIdempotent() {
        String group = groupWithMember("acks");
        try (WsClient ws = WsClient.connect(apis.get(2), member.accessToken())) {
            ws.send(Map.of("type", "send", "groupId", group, "content", "hello", "clientMessageId", "c-1"));
            JsonNode ack = ws.awaitType("ack");
            assertThat(ack.path("clientMessageId").asString()).isEqualTo("c-1");
            assertThat(ack.path("seq").asLong()).isEqualTo(1);
            ws.send(Map.of("type", "send", "groupId", group, "content", "hello", "clientMessageId", "c-1"));
            JsonNode again = ws.awaitType("ack");
            assertThat(again.path("messageId").asString()).isEqualTo(ack.path("messageId").asString());
        }
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(1);
    }

    @Test
    void resumingOnAnotherInstanceWithAfterSeqMissesNothingAndRepeatsNothing() {
        String group = groupWithMember("resume");
        WsClient first = subscribed(apis.get(0), member, group, null);
        for (int n = 1; n <= 5; n++) {
            post(apis.get(n % 3), group, "before " + n);
        }
        assertThat(first.messageSeqs(group, 5, WAIT)).containsExactly(1L, 2L, 3L, 4L, 5L);
        first.close();
        for (int n = 6; n <= 10; n++) {
            post(apis.get(n % 3), group, "while away " + n);
        }
        WsClient resumed = WsClient.connect(apis.get(2), member.accessToken());
        resumed.send(Map.of("type", "subscribe", "groupId", group, "afterSeq", 5));
        JsonNode subscribed = resumed.await(f -> !"presence".equals(f.path("type").asString()), WAIT);
        assertThat(subscribed.path("type").asString()).as("subscribed comes before any message: %s", subscribed).isEqualTo("subscribed");
        assertThat(subscribed.path("lastSeq").asLong()).isEqualTo(10);
        for (int n = 11; n <= 13; n++) {
            post(apis.get(n % 3), group, "live " + n);
        }
        assertThat(resumed.messageSeqs(group, 8, WAIT)).containsExactly(6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L);
        post(apis.get(1), group, "marker");
        assertThat(resumed.messageSeqs(group, 1, WAIT)).as("no duplicate before the next message").containsExactly(14L);
        resumed.close();
    }

    @Test
    void aSubscriptionWithoutAfterSeqGetsOnlyLiveMessages() {
        String group = groupWithMember("live-only");
        post(apis.get(0), group, "old");
        try (WsClient ws = subscribed(apis.get(1), owner, group, null)) {
            post(apis.get(2), group, "new");
            JsonNode message = ws.awaitType("message");
            assertThat(message.path("message").path("seq").asLong()).isEqualTo(2);
            assertThat(message.path("message").path("content").asString()).isEqualTo("new");
            assertThat(message.path("message").path("senderId").asString()).isEqualTo(owner.userId());
        }
    }

    @Test
    void unsubscribeStopsDelivery() {
        String group = groupWithMember("unsub");
        try (WsClient ws = subscribed(apis.get(1), owner, group, null); WsClient witness = subscribed(apis.get(1), member, group, null)) {
            ws.send(Map.of("type", "unsubscribe", "groupId", group));
            assertThat(ws.awaitType("unsubscribed").path("groupId").asString()).isEqualTo(group);
            post(apis.get(0), group, "after unsubscribe");
            // The witness on the same instance has it, so the instance has fanned it out; the pong then marks that
            // whatever it wrote to the unsubscribed socket before has arrived.
            assertThat(witness.messageSeqs(group, 1, WAIT)).containsExactly(1L);
            ws.roundTrip();
            assertThat(ws.unread(WsClient.messageOf(group))).as("messages after unsubscribing").isEmpty();
        }
    }

    static void post(Api api, String group, String content) {
        assertThat(api.post("/api/messages", owner.accessToken(), Map.of("content", content, "targetType", "group",
                "targetIds", List.of(group))).status()).isEqualTo(201);
    }
}
