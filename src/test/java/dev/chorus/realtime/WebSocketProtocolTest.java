package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.JsonBody;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SPEC §4 on {@code /ws}: a socket authenticates with {@code ?access_token=} or a first {@code auth} frame within the
 * auth timeout, or gets {@code unauthorized} and close 1008; subscribe, unsubscribe and send do what they say, and a
 * refused frame gets an {@code error} frame {@code {type, error, message}} on a connection that still answers
 * {@code ping} with {@code pong}, writing nothing (the rows of {@code messages} and the groups' seq counters). The
 * catalogue of malformed, unknown, oversized, unauthorised and hostile frames, each checked straight and through
 * nginx, is {@link dev.chorus.hostile.HostileInputSuiteTest}; this class keeps the protocol's journeys and the
 * refusals that need a set-up of their own (timeouts, rate limits, a refused subscription's silence).
 *
 * <p>Instance ws-1 ({@code api}) has rate limits off and a 1 s auth timeout. Instance ws-2 ({@code api2}), on the same
 * database and Redis, has the SPEC's 5 s auth timeout, so that what a test sends before authenticating is never
 * overtaken by the timeout, and RATE_LIMIT_PER_USER=3 for the send-frame limit; only users who send through ws-2 are
 * limited, since ws-1 never takes from their bucket.
 */
class WebSocketProtocolTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final Duration AUTH_TIMEOUT = Duration.ofSeconds(1);
    static final String FORBIDDEN = "forbidden";
    static final String UNAUTHORIZED = "unauthorized";
    static final int MAX_FRAME = 64 * 1024;
    /** Frames the server sends on its own; SPEC §4 does not order them against the replies to a client's frames. */
    static final Set<String> UNSOLICITED = Set.of("presence", "message");

    static TestCluster cluster;
    static Api api;
    static Api api2;
    static Session owner;
    static Session member;
    static Session outsider;
    static String group;
    static String outsidersGroup;

    @BeforeAll
    static void startTwoInstancesWithAGroupOfTwoAndAnOutsider() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_USER", "0").with("RATE_LIMIT_PER_IP", "0");
        api = cluster.start("ws-1", Map.of(), "--chorus.realtime.auth-timeout=PT1S").api();
        api2 = cluster.start("ws-2", Map.of("RATE_LIMIT_PER_USER", "3")).api();
        owner = api.newUser("owner");
        member = api.newUser("member");
        outsider = api.newUser("outsider");
        group = groupWith(owner, member);
        outsidersGroup = api.createGroup(outsider.accessToken(), "elsewhere");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Nested
    class Authentication {

        @Test
        void anAccessTokenInTheQueryAuthenticates() {
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                assertSubscribes(ws, group);
            }
        }

        @Test
        void anAuthFrameAuthenticatesAndTheAuthTimeoutThenLeavesTheSocketAlone() {
            try (WsClient ws = WsClient.connect(api, null)) {
                Instant opened = Instant.now();
                assertAuthenticated(ws, member.accessToken());
                assertSubscribes(ws, group);
                // The auth timer fires inside the server; no frame can show that it did not. So this one check is a
                // bounded wait: twice the timeout after the upgrade, the socket is open and got no reply it did not ask for.
                sleepUntil(opened.plus(AUTH_TIMEOUT.multipliedBy(2)));
                assertThat(ws.unread(WebSocketProtocolTest::isReply)).as("nothing after the timeout").isEmpty();
                assertStillOpen(ws);
            }
        }

        @Test
        void aTokenMintedTheSameWayWithTheRightSecretIsAccepted() {
            try (WsClient ws = WsClient.connect(api, ForgedTokens.hs256(member, TestCluster.SECRET, Instant.now().plusSeconds(600)))) {
                assertSubscribes(ws, group);
            }
        }

        @Test
        void aSocketThatNeverAuthenticatesIsUnauthorizedAndClosedWith1008AfterTheTimeout() {
            Instant opened = Instant.now();
            try (WsClient ws = WsClient.connect(api, null)) {
                assertUnauthorizedAndClosed(ws);
                assertThat(Duration.between(opened, Instant.now())).isGreaterThanOrEqualTo(AUTH_TIMEOUT);
            }
        }

        /**
         * A socket that sent a frame gets the auth timeout once more (its auth frame may be waiting on a busy instance,
         * issue 17), but one that only talks and never authenticates is still refused, after twice the timeout.
         */
        @Test
        void aSocketThatTalksButNeverAuthenticatesIsUnauthorizedAndClosedAfterTwiceTheTimeout() {
            Instant opened = Instant.now();
            try (WsClient ws = WsClient.connect(api, null)) {
                ws.send(Map.of("type", "ping"));
                assertThat(ws.awaitType("pong")).isNotNull();
                assertUnauthorizedAndClosed(ws);
                assertThat(Duration.between(opened, Instant.now())).isGreaterThanOrEqualTo(AUTH_TIMEOUT.multipliedBy(2));
            }
        }

        /** Closing used to race the queued error frame, which about one refusal in six lost; repeated to catch that. */
        @Test
        void theUnauthorizedErrorFrameAlwaysArrivesBeforeThe1008Close() {
            for (int i = 0; i < 50; i++) {
                try (WsClient ws = WsClient.connect(api, "this-is-not-a-jwt")) {
                    assertUnauthorizedAndClosed(ws);
                }
                try (WsClient ws = WsClient.connect(api2, null)) {
                    ws.send(Map.of("type", "auth", "token", "this-is-not-a-jwt"));
                    assertUnauthorizedAndClosed(ws);
                }
            }
            for (int i = 0; i < 3; i++) {
                try (WsClient ws = WsClient.connect(api, null)) {
                    assertUnauthorizedAndClosed(ws);
                }
            }
        }

        @Test
        void aLaterAuthFrameReplacesTheTokenOfTheSameUserOnlyAndABadOneLeavesTheSocketAsItWas() {
            try (WsClient byQuery = WsClient.connect(api, member.accessToken()); WsClient byFrame = WsClient.connect(api, null)) {
                assertAuthenticated(byFrame, member.accessToken());
                for (WsClient ws : List.of(byQuery, byFrame)) {
                    assertAuthenticated(ws, member.accessToken());
                    assertRefused(ws, frame("type", "auth", "token", "this-is-not-a-jwt"), UNAUTHORIZED);
                    assertRefused(ws, frame("type", "auth", "token", owner.accessToken()), "forbidden");
                    assertSubscribes(ws, group);
                }
            }
        }
    }

    @Nested
    class Subscribe {

        @Test
        void aRefusedSubscriptionDeliversNothingOfThatGroup() {
            try (WsClient ws = WsClient.connect(api, outsider.accessToken()); WsClient witness = WsClient.connect(api, member.accessToken())) {
                assertRefused(ws, frame("type", "subscribe", "groupId", group), FORBIDDEN);
                assertRefused(ws, frame("type", "subscribe", "groupId", group, "afterSeq", 0), FORBIDDEN);
                assertSubscribes(witness, group);
                String content = "private " + UUID.randomUUID();
                assertThat(api.post("/api/messages", owner.accessToken(), Map.of("content", content, "targetType", "group",
                        "targetIds", List.of(group))).status()).isEqualTo(201);
                // A member's socket on the same instance has it: the instance fanned it out to its sockets. Then a
                // ping: whatever the instance wrote to the outsider's socket before the pong has arrived.
                witness.await(f -> WsClient.messageOf(group).test(f) && content.equals(f.path("message").path("content").asString()), WAIT);
                ws.roundTrip();
                assertThat(ws.unread(f -> true)).as("no message, no presence of that group").isEmpty();
            }
        }
    }

    @Nested
    class Unsubscribe {

        @Test
        void unsubscribingAnswersUnsubscribedAndTheSocketStaysUsable() {
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                assertSubscribes(ws, group);
                ws.send(Map.of("type", "unsubscribe", "groupId", group));
                JsonNode reply = reply(ws, "unsubscribe");
                assertThat(reply.path("type").asString()).as("%s", reply).isEqualTo("unsubscribed");
                assertThat(reply.path("groupId").asString()).isEqualTo(group);
                assertStillOpen(ws);
            }
        }
    }

    @Nested
    class Send {

        @Test
        void sendsAreAcknowledgedInSeqOrderAndARetriedClientMessageIdGetsTheSameMessage() {
            String fresh = groupWith(owner, member);
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                JsonNode first = ack(ws, send(fresh, "first", "c-1"));
                JsonNode second = ack(ws, send(fresh, "second", "c-2"));
                JsonNode retried = ack(ws, send(fresh, "first", "c-1"));

                assertThat(first.path("clientMessageId").asString()).isEqualTo("c-1");
                assertThat(first.path("seq").asLong()).isEqualTo(1);
                assertThat(second.path("clientMessageId").asString()).isEqualTo("c-2");
                assertThat(second.path("seq").asLong()).isEqualTo(2);
                assertThat(second.path("messageId").asString()).isNotEqualTo(first.path("messageId").asString());
                assertThat(retried.path("messageId").asString()).isEqualTo(first.path("messageId").asString());
                assertThat(retried.path("seq").asLong()).isEqualTo(1);
            }
            assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + fresh + "'")).isEqualTo(2);
        }

        /** SPEC §4 does not order a send's ack against its live message: the test takes both, in whichever order. */
        @Test
        void aSubscribedSenderGetsTheAckAndItsOwnLiveMessageInEitherOrder() {
            String fresh = groupWith(owner, member);
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                assertSubscribes(ws, fresh);
                ws.sendText(send(fresh, "mine", "own-1"));
                List<JsonNode> ackAndMessage = ws.awaitAll(WAIT, WsClient.ofType("ack"), WsClient.messageOf(fresh));
                JsonNode message = ackAndMessage.get(1).path("message");
                assertThat(ackAndMessage.get(0).path("messageId").asString()).isEqualTo(message.path("id").asString());
                assertThat(message.path("seq").asLong()).isEqualTo(1);
                assertThat(message.path("clientMessageId").asString()).isEqualTo("own-1");
            }
        }

        @Test
        void contentAndClientMessageIdAtTheirLimitsAreAccepted() {
            String fresh = groupWith(owner, member);
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                assertThat(ack(ws, send(fresh, "x".repeat(4000), "c".repeat(100))).path("seq").asLong()).isEqualTo(1);
                assertThat(ack(ws, send(fresh, "a surrogate pair \uD83D\uDE00", "emoji")).path("seq").asLong()).isEqualTo(2);
                assertThat(ack(ws, frame("type", "send", "groupId", fresh, "content", "no id")).path("seq").asLong()).isEqualTo(3);
            }
        }

        @Test
        void fieldsASendFrameMustNotSetCannotForgeTheSenderOrTheSeq() {
            String fresh = groupWith(owner, member);
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                JsonNode ack = ack(ws, frame("type", "send", "groupId", fresh, "content", "hi", "clientMessageId", "forge",
                        "senderId", owner.userId(), "seq", 999, "id", UUID.randomUUID().toString()));
                assertThat(ack.path("seq").asLong()).isEqualTo(1);
            }
            assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + fresh + "' AND sender_id = '"
                    + member.userId() + "' AND seq = 1")).isEqualTo(1);
        }

        @Test
        void aNonMemberSendIsForbiddenAndStoresNothing() {
            long before = writes();
            try (WsClient ws = WsClient.connect(api, outsider.accessToken())) {
                assertRefused(ws, send(group, "intruding", "x-1"), FORBIDDEN);
                assertRefused(ws, send(group, "intruding", null), FORBIDDEN);
            }
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                assertRefused(ws, send(outsidersGroup, "intruding", "x-2"), FORBIDDEN);
            }
            assertThat(writes()).isEqualTo(before);
            assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE content = 'intruding'")).isZero();
        }

        @Test
        void sendFramesOverTheUserRateLimitAreRateLimitedAndTheSocketStaysOpen() {
            Session chatty = api.newUser("chatty");
            String fresh = groupWith(owner, chatty);
            try (WsClient ws = WsClient.connect(api2, chatty.accessToken())) {
                for (int n = 1; n <= 3; n++) {
                    assertThat(ack(ws, send(fresh, "message " + n, "r-" + n)).path("seq").asLong()).isEqualTo(n);
                }
                assertRefused(ws, send(fresh, "one too many", "r-4"), "rate_limited");
                assertRefused(ws, send(fresh, "still too many", null), "rate_limited");
            }
            assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + fresh + "'")).isEqualTo(3);
            assertThat(cluster.queryLong("SELECT last_seq FROM groups WHERE id = '" + fresh + "'")).isEqualTo(3);
        }

    }

    /** The container refuses frames over 64 KiB by closing with 1009; the instance stays healthy. */
    @Nested
    class OversizedFrames {

        @Test
        void aFrameOfExactly64KiBIsStillRead() {
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                ws.sendText(padded(MAX_FRAME, "x"));
                assertThat(reply(ws, "a 64 KiB ping").path("type").asString()).isEqualTo("pong");
            }
        }

        /** A ping padded with an ignored field to exactly {@code bytes} bytes of UTF-8. */
        static String padded(int bytes, String pad) {
            String head = "{\"type\":\"ping\",\"pad\":\"";
            String tail = "\"}";
            int room = bytes - head.length() - tail.length();
            int each = pad.getBytes(StandardCharsets.UTF_8).length;
            String text = head + pad.repeat(room / each) + "x".repeat(room % each) + tail;
            assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
            return text;
        }

    }

    // ---- cases shared by subscribe, unsubscribe and send ----

    // ---- assertions ----

    static void assertRefused(WsClient ws, String frame, String code) {
        ws.sendText(frame);
        String shown = frame.length() > 200 ? frame.substring(0, 200) + "..." : frame;
        JsonNode reply = reply(ws, shown);
        assertThat(reply.path("type").asString()).as("reply %s to %s", reply, shown).isEqualTo("error");
        assertThat(reply.path("error").asString()).as("reply %s to %s", reply, shown).isEqualTo(code);
        assertThat(reply.path("message").isString() && !reply.path("message").asString().isBlank())
                .as("a human message in %s", reply).isTrue();
        assertThat(fieldNames(reply)).as("the error shape of %s", reply).isEqualTo(Set.of("type", "error", "message"));
        assertStillOpen(ws);
    }

    static void assertStillOpen(WsClient ws) {
        ws.send(Map.of("type", "ping"));
        JsonNode reply = reply(ws, "ping");
        assertThat(reply.path("type").asString()).as("%s", reply).isEqualTo("pong");
        assertThat(ws.isClosed()).isFalse();
    }

    /** A refused socket: the {@code unauthorized} error frame, then close 1008, and nothing else. */
    static void assertUnauthorizedAndClosed(WsClient ws) {
        assertThat(ws.awaitClose(WAIT)).isEqualTo(1008);
        JsonNode error = ws.next(Duration.ZERO);
        assertThat(error).as("the error frame before the close").isNotNull();
        assertUnauthorizedError(error);
        assertThat(ws.next(Duration.ZERO)).as("nothing else").isNull();
    }

    static void assertUnauthorizedError(JsonNode error) {
        assertThat(error.path("type").asString()).as("%s", error).isEqualTo("error");
        assertThat(error.path("error").asString()).as("%s", error).isEqualTo(UNAUTHORIZED);
        assertThat(fieldNames(error)).isEqualTo(Set.of("type", "error", "message"));
    }

    /** Sends an auth frame and takes its {@code authenticated} reply, which carries the token's expiry. */
    static void assertAuthenticated(WsClient ws, String token) {
        ws.send(Map.of("type", "auth", "token", token));
        JsonNode authenticated = reply(ws, "auth");
        assertThat(authenticated.path("type").asString()).as("%s", authenticated).isEqualTo("authenticated");
        assertThat(Instant.parse(authenticated.path("expiresAt").asString())).isAfter(Instant.now());
        assertThat(authenticated.path("instanceId").asString()).as("the instance holding the socket").isNotBlank();
    }

    static void assertSubscribes(WsClient ws, String groupId) {
        ws.send(Map.of("type", "subscribe", "groupId", groupId));
        JsonNode subscribed = reply(ws, "subscribe");
        assertThat(subscribed.path("type").asString()).as("%s", subscribed).isEqualTo("subscribed");
        assertThat(subscribed.path("groupId").asString()).isEqualTo(groupId);
        assertThat(subscribed.path("lastSeq").isIntegralNumber()).isTrue();
    }

    /** Sends the frame and takes its ack; the live message of a subscribed group may come before or after it. */
    static JsonNode ack(WsClient ws, String frame) {
        ws.sendText(frame);
        JsonNode ack = reply(ws, frame);
        assertThat(ack.path("type").asString()).as("%s", ack).isEqualTo("ack");
        assertThat(ack.path("messageId").asString()).isNotBlank();
        return ack;
    }

    /**
     * The reply to the frame just sent: the first unread frame that is not one the server sends on its own
     * (presence, live messages), which SPEC §4 lets come before or after it. Skipped frames stay unread.
     */
    static JsonNode reply(WsClient ws, String toWhat) {
        try {
            return ws.await(WebSocketProtocolTest::isReply, WAIT);
        } catch (AssertionError e) {
            throw new AssertionError("no reply to " + toWhat + ": " + e.getMessage(), e);
        }
    }

    static boolean isReply(JsonNode frame) {
        return !UNSOLICITED.contains(frame.path("type").asString());
    }

    static void sleepUntil(Instant when) {
        try {
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), when).toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Rows of messages plus every group's seq counter: refused frames must leave both alone. */
    static long writes() {
        return cluster.queryLong("SELECT (SELECT count(*) FROM messages) + (SELECT coalesce(sum(last_seq), 0) FROM groups)");
    }

    static Set<String> fieldNames(JsonNode node) {
        return node.properties().stream().map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    // ---- frames, users and tokens ----

    static String frame(Object... namesAndValues) {
        JsonBody frame = JsonBody.empty();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            frame = frame.with((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return frame.json();
    }

    static String send(String groupId, String content, String clientMessageId) {
        return frame("type", "send", "groupId", groupId, "content", content, "clientMessageId", clientMessageId);
    }

    static String groupWith(Session groupOwner, Session other) {
        String id = api.createGroup(groupOwner.accessToken(), "ws-" + UUID.randomUUID().toString().substring(0, 8));
        assertThat(api.post("/api/groups/" + id + "/members", groupOwner.accessToken(), Map.of("email", other.email())).status())
                .isEqualTo(201);
        return id;
    }

}
