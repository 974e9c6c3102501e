package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.chorus.support.Api;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.JsonBody;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * SPEC §4 on {@code /ws}: a socket authenticates with {@code ?access_token=} or a first {@code auth} frame within the
 * auth timeout, or gets {@code unauthorized} and close 1008; once open, every malformed, unknown, unauthorised or
 * invalid frame is answered with an {@code error} frame {@code {type, error, message}} and the same connection still
 * answers {@code ping} with {@code pong}. A refused frame writes nothing: the rows of {@code messages} and the groups'
 * seq counters are read from the database before and after each one.
 *
 * <p>Instance ws-1 ({@code api}) has rate limits off and a 1 s auth timeout. Instance ws-2 ({@code api2}), on the same
 * database and Redis, has the SPEC's 5 s auth timeout, so that what a test sends before authenticating is never
 * overtaken by the timeout, and RATE_LIMIT_PER_USER=3 for the send-frame limit; only users who send through ws-2 are
 * limited, since ws-1 never takes from their bucket.
 */
class WebSocketProtocolTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final Duration AUTH_TIMEOUT = Duration.ofSeconds(1);
    static final String SQL_ISH = "' OR 1=1 --";
    static final String OTHER_SECRET = "another-secret-of-at-least-32-bytes-for-hmac";
    static final String MALFORMED = "malformed_frame";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String INVALID = "validation_failed";
    static final String NOT_FOUND = "not_found";
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

        static Stream<BadToken> badTokens() {
            return Stream.of(
                    new BadToken("a garbage", () -> "this-is-not-a-jwt"),
                    new BadToken("a three-part garbage", () -> "aaa.bbb.ccc"),
                    new BadToken("an empty", () -> ""),
                    new BadToken("an over-long", () -> "a".repeat(5000)),
                    new BadToken("a forged (other secret)", () -> ForgedTokens.hs256(member, OTHER_SECRET, Instant.now().plusSeconds(600))),
                    new BadToken("an expired", () -> ForgedTokens.hs256(member, TestCluster.SECRET, Instant.now().minus(Duration.ofHours(1)))),
                    new BadToken("an alg=none", () -> ForgedTokens.unsigned(member)),
                    new BadToken("a logged-out user's", WebSocketProtocolTest::loggedOutToken));
        }

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

        @ParameterizedTest(name = "{0} token in the query")
        @MethodSource("badTokens")
        void aBadTokenInTheQueryIsUnauthorizedAndClosedWith1008(BadToken token) {
            String value = token.value().get();
            try (WsClient ws = WsClient.connect(api, value)) {
                assertUnauthorizedAndClosed(ws);
            }
        }

        @ParameterizedTest(name = "{0} token in an auth frame")
        @MethodSource("badTokens")
        void aBadTokenInAnAuthFrameIsUnauthorizedAndClosedWith1008(BadToken token) {
            String value = token.value().get();
            try (WsClient ws = WsClient.connect(api2, null)) {
                ws.send(Map.of("type", "auth", "token", value));
                assertUnauthorizedAndClosed(ws);
            }
        }

        @Test
        void anAuthFrameWithoutAStringTokenIsUnauthorizedAndClosedWith1008() {
            for (String frame : List.of("{\"type\":\"auth\"}", "{\"type\":\"auth\",\"token\":null}",
                    "{\"type\":\"auth\",\"token\":42}", "{\"type\":\"auth\",\"token\":[\"" + member.accessToken() + "\"]}")) {
                try (WsClient ws = WsClient.connect(api2, null)) {
                    ws.sendText(frame);
                    assertUnauthorizedAndClosed(ws);
                }
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
        void framesBeforeAuthenticationAreUnauthorizedButTheSocketStaysOpenAndCanStillAuthenticate() {
            long before = writes();
            try (WsClient ws = WsClient.connect(api2, null)) {
                assertRefused(ws, frame("type", "subscribe", "groupId", group), UNAUTHORIZED);
                assertRefused(ws, frame("type", "unsubscribe", "groupId", group), UNAUTHORIZED);
                assertRefused(ws, frame("type", "send", "groupId", group, "content", "too early", "clientMessageId", "early"),
                        UNAUTHORIZED);
                assertAuthenticated(ws, member.accessToken());
                assertSubscribes(ws, group);
            }
            assertThat(writes()).isEqualTo(before);
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

    /** Frames that are not a JSON object with a string type, or whose type the server does not know. */
    @Nested
    class FramesOfAnyShape {

        static Stream<Bad> cases() {
            return Stream.of(
                    new Bad("plain text", () -> "hello", MALFORMED),
                    new Bad("a truncated object", () -> "{\"type\":\"ping\"", MALFORMED),
                    new Bad("single-quoted JSON", () -> "{'type':'ping'}", MALFORMED),
                    new Bad("unquoted keys", () -> "{type:\"ping\"}", MALFORMED),
                    new Bad("an empty frame", () -> "", MALFORMED),
                    new Bad("only whitespace", () -> " \n\t ", MALFORMED),
                    new Bad("an empty array", () -> "[]", MALFORMED),
                    new Bad("an array holding a valid frame", () -> "[{\"type\":\"ping\"}]", MALFORMED),
                    new Bad("a number", () -> "42", MALFORMED),
                    new Bad("a string", () -> "\"ping\"", MALFORMED),
                    new Bad("null", () -> "null", MALFORMED),
                    new Bad("a boolean", () -> "true", MALFORMED),
                    new Bad("an object without type", () -> "{}", MALFORMED),
                    new Bad("a type key in the wrong case", () -> "{\"Type\":\"ping\"}", MALFORMED),
                    new Bad("a null type", () -> "{\"type\":null}", MALFORMED),
                    new Bad("a numeric type", () -> "{\"type\":42}", MALFORMED),
                    new Bad("a boolean type", () -> "{\"type\":true}", MALFORMED),
                    new Bad("an array type", () -> "{\"type\":[\"ping\"]}", MALFORMED),
                    new Bad("an object type", () -> "{\"type\":{\"name\":\"ping\"}}", MALFORMED),
                    new Bad("two objects in one frame", () -> "{\"type\":\"ping\"}{\"type\":\"ping\"}", MALFORMED),
                    new Bad("trailing garbage", () -> "{\"type\":\"ping\"} garbage", MALFORMED),
                    new Bad("nesting 30000 deep", () -> "{\"type\":\"ping\",\"x\":" + "[".repeat(30_000)
                            + "]".repeat(30_000) + "}", MALFORMED),
                    new Bad("an upper-case type", () -> "{\"type\":\"PING\"}", UNKNOWN_TYPE),
                    new Bad("an empty type", () -> "{\"type\":\"\"}", UNKNOWN_TYPE),
                    new Bad("a padded type", () -> "{\"type\":\" ping \"}", UNKNOWN_TYPE),
                    new Bad("a type with a NUL", () -> "{\"type\":\"ping\\u0000\"}", UNKNOWN_TYPE),
                    new Bad("a server-to-client type (message)", () -> "{\"type\":\"message\"}", UNKNOWN_TYPE),
                    new Bad("a server-to-client type (pong)", () -> "{\"type\":\"pong\"}", UNKNOWN_TYPE),
                    new Bad("a server-to-client type (ack)", () -> "{\"type\":\"ack\"}", UNKNOWN_TYPE),
                    new Bad("a server-to-client type (error)", () -> "{\"type\":\"error\"}", UNKNOWN_TYPE),
                    new Bad("an invented type", () -> "{\"type\":\"delete\",\"groupId\":\"" + group + "\"}", UNKNOWN_TYPE),
                    new Bad("__proto__", () -> "{\"type\":\"__proto__\"}", UNKNOWN_TYPE),
                    new Bad("an SQL-ish type", () -> frame("type", SQL_ISH), UNKNOWN_TYPE),
                    new Bad("a 10000-character type", () -> frame("type", "x".repeat(10_000)), UNKNOWN_TYPE));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aFrameThatIsNotAKnownJsonObjectGetsAnErrorAndTheSocketStaysOpen(Bad bad) {
            assertRefusedWithoutWriting(member, bad);
        }

        @Test
        void aPingSplitIntoFragmentsIsReassembledAndAnswered() {
            try (RawSocket raw = RawSocket.connect(api, member.accessToken())) {
                raw.fragments("{\"type\"", ":\"pi", "ng\"}");
                assertThat(raw.nextText().path("type").asString()).isEqualTo("pong");
            }
        }

        @Test
        void aBinaryFrameGetsAnErrorAndTheSocketStaysOpen() {
            try (RawSocket raw = RawSocket.connect(api, member.accessToken())) {
                raw.binary("{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
                JsonNode reply = raw.nextText();
                assertThat(reply).as("an error frame, not a close (close code %s)", raw.closeCodeIfAny()).isNotNull();
                assertThat(reply.path("type").asString()).isEqualTo("error");
                raw.text("{\"type\":\"ping\"}");
                assertThat(raw.nextText().path("type").asString()).isEqualTo("pong");
            }
        }
    }

    @Nested
    class Subscribe {

        static Stream<Bad> cases() {
            return Stream.of(groupIdCases("subscribe", JsonBody::json), groupCases("subscribe", JsonBody::json), Stream.of(
                    new Bad("afterSeq -1", () -> frame("type", "subscribe", "groupId", group, "afterSeq", -1), INVALID),
                    new Bad("afterSeq Long.MIN_VALUE", () -> frame("type", "subscribe", "groupId", group, "afterSeq", Long.MIN_VALUE), INVALID),
                    new Bad("afterSeq 1.5", () -> frame("type", "subscribe", "groupId", group, "afterSeq", 1.5), INVALID),
                    new Bad("afterSeq 1e3", () -> "{\"type\":\"subscribe\",\"groupId\":\"" + group + "\",\"afterSeq\":1e3}", INVALID),
                    new Bad("afterSeq as a string", () -> frame("type", "subscribe", "groupId", group, "afterSeq", "5"), INVALID),
                    new Bad("afterSeq as a boolean", () -> frame("type", "subscribe", "groupId", group, "afterSeq", true), INVALID),
                    new Bad("afterSeq as an array", () -> frame("type", "subscribe", "groupId", group, "afterSeq", List.of(5)), INVALID),
                    new Bad("afterSeq as an object", () -> frame("type", "subscribe", "groupId", group, "afterSeq", Map.of()), INVALID),
                    new Bad("afterSeq beyond a long", () -> "{\"type\":\"subscribe\",\"groupId\":\"" + group
                            + "\",\"afterSeq\":99999999999999999999999}", INVALID))).flatMap(s -> s);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadSubscribeGetsAnErrorAndTheSocketStaysOpen(Bad bad) {
            assertRefusedWithoutWriting(member, bad);
        }

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

        static Stream<Bad> cases() {
            return groupIdCases("unsubscribe", JsonBody::json);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadUnsubscribeGetsAnErrorAndTheSocketStaysOpen(Bad bad) {
            assertRefusedWithoutWriting(member, bad);
        }

        @Test
        void anUnsubscribeFromAnUnknownGroupIsNotFound() {
            assertRefusedWithoutWriting(member, new Bad("an unknown group",
                    () -> frame("type", "unsubscribe", "groupId", UUID.randomUUID().toString()), NOT_FOUND));
        }

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

        static Stream<Bad> cases() {
            return Stream.of(groupIdCases("send", Send::withValidFields), groupCases("send", Send::withValidFields), Stream.of(
                    invalid("no content", validSend().without("content")),
                    invalid("a null content", validSend().with("content", null)),
                    invalid("an empty content", validSend().with("content", "")),
                    invalid("a numeric content", validSend().with("content", 42)),
                    invalid("a boolean content", validSend().with("content", true)),
                    invalid("an array content", validSend().with("content", List.of("hello"))),
                    invalid("an object content", validSend().with("content", Map.of("text", "hello"))),
                    invalid("a content of 4001 characters", validSend().with("content", "x".repeat(4001))),
                    invalid("a content containing NUL", validSend().with("content", "a\u0000b")),
                    new Bad("a content with an unpaired high surrogate", () -> rawSend("\"a\\ud800b\"", "\"c-hs\""), INVALID),
                    new Bad("a content with an unpaired low surrogate", () -> rawSend("\"a\\udc00b\"", "\"c-ls\""), INVALID),
                    new Bad("a content with a reversed surrogate pair", () -> rawSend("\"\\udc00\\ud800\"", "\"c-rs\""), INVALID),
                    invalid("an empty clientMessageId", validSend().with("clientMessageId", "")),
                    invalid("a clientMessageId of 101 characters", validSend().with("clientMessageId", "c".repeat(101))),
                    invalid("a numeric clientMessageId", validSend().with("clientMessageId", 42)),
                    invalid("a boolean clientMessageId", validSend().with("clientMessageId", true)),
                    invalid("an array clientMessageId", validSend().with("clientMessageId", List.of("c-1"))),
                    invalid("an object clientMessageId", validSend().with("clientMessageId", Map.of("id", "c-1"))),
                    invalid("a clientMessageId containing NUL", validSend().with("clientMessageId", "c\u0000d")),
                    new Bad("a clientMessageId with an unpaired surrogate", () -> rawSend("\"hello\"", "\"c\\ud800\""), INVALID)))
                    .flatMap(s -> s);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadSendGetsAnErrorWritesNothingAndTheSocketStaysOpen(Bad bad) {
            assertRefusedWithoutWriting(member, bad);
        }

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

        static JsonBody validSend() {
            return JsonBody.empty().with("type", "send").with("groupId", group).with("content", "hello")
                    .with("clientMessageId", "bad-" + UUID.randomUUID());
        }

        static String withValidFields(JsonBody frame) {
            return frame.with("content", "hello").with("clientMessageId", "bad-" + UUID.randomUUID()).json();
        }

        static Bad invalid(String name, JsonBody frame) {
            return new Bad(name, frame::json, INVALID);
        }

        static String rawSend(String contentJson, String clientMessageIdJson) {
            return "{\"type\":\"send\",\"groupId\":\"" + group + "\",\"content\":" + contentJson + ",\"clientMessageId\":"
                    + clientMessageIdJson + "}";
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

        @Test
        void aFrameOverLimitIsClosedWith1009AndNewConnectionsStillWork() {
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                ws.sendText(padded(MAX_FRAME + 1, "x"));
                assertThat(ws.awaitClose(WAIT)).isEqualTo(1009);
            }
            assertInstanceStillServes();
        }

        @Test
        void aFrameOverLimitSplitIntoFragmentsIsClosedWith1009() {
            try (RawSocket raw = RawSocket.connect(api, member.accessToken())) {
                String big = padded(MAX_FRAME + 1024, "x");
                int quarter = big.length() / 4;
                raw.fragments(big.substring(0, quarter), big.substring(quarter, 2 * quarter),
                        big.substring(2 * quarter, 3 * quarter), big.substring(3 * quarter));
                assertThat(raw.awaitClose()).isEqualTo(1009);
            }
            assertInstanceStillServes();
        }

        @Test
        void aSendWhoseContentIsOverTheLimitIsClosedWith1009AndStoresNothing() {
            long before = writes();
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                ws.sendText(send(group, "y".repeat(MAX_FRAME), "huge"));
                assertThat(ws.awaitClose(WAIT)).isEqualTo(1009);
            }
            assertThat(writes()).isEqualTo(before);
            assertInstanceStillServes();
        }

        @Test
        void aFrameOverLimitInBytesButNotInCharactersIsClosedWith1009() {
            try (RawSocket raw = RawSocket.connect(api, member.accessToken())) {
                raw.text(padded(MAX_FRAME + 16_000, "é"));
                assertThat(raw.nextText()).as("no answer to an 80 KiB frame").isNull();
                assertThat(raw.awaitClose()).isEqualTo(1009);
            }
            assertInstanceStillServes();
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

        static void assertInstanceStillServes() {
            assertThat(api.get("/health", null).status()).isEqualTo(200);
            try (WsClient ws = WsClient.connect(api, member.accessToken())) {
                assertStillOpen(ws);
                assertSubscribes(ws, group);
            }
        }
    }

    @Test
    void aConnectionThatWasSentEveryBadFrameStillSubscribesAndSends() {
        long before = writes();
        List<Bad> all = Stream.of(FramesOfAnyShape.cases(), Subscribe.cases(), Unsubscribe.cases(), Send.cases())
                .flatMap(s -> s).toList();
        try (WsClient ws = WsClient.connect(api, member.accessToken())) {
            for (Bad bad : all) {
                assertRefused(ws, bad.frame().get(), bad.code());
            }
            assertThat(writes()).isEqualTo(before);
            assertSubscribes(ws, group);
            assertThat(ack(ws, send(group, "survived " + all.size() + " bad frames", null)).path("seq").asLong())
                    .isGreaterThan(0);
        }
    }

    // ---- cases shared by subscribe, unsubscribe and send ----

    /** groupIds refused by their shape alone: missing or not a string is invalid, a string that is no UUID not found. */
    static Stream<Bad> groupIdCases(String type, Function<JsonBody, String> complete) {
        Function<Object, Supplier<String>> withId = withGroupId(type, complete);
        return Stream.of(
                new Bad("no groupId", () -> complete.apply(new JsonBody(Map.of("type", type))), INVALID),
                new Bad("a null groupId", withId.apply(null), INVALID),
                new Bad("a numeric groupId", withId.apply(42), INVALID),
                new Bad("a boolean groupId", withId.apply(true), INVALID),
                new Bad("an array groupId", () -> withId.apply(List.of(group)).get(), INVALID),
                new Bad("an object groupId", () -> withId.apply(Map.of("id", group)).get(), INVALID),
                new Bad("an empty groupId", withId.apply(""), NOT_FOUND),
                new Bad("a groupId that is not a UUID", withId.apply("not-a-uuid"), NOT_FOUND),
                new Bad("an SQL-ish groupId", withId.apply(SQL_ISH), NOT_FOUND),
                new Bad("a groupId followed by SQL", () -> withId.apply(group + "'; DELETE FROM messages; --").get(), NOT_FOUND),
                new Bad("a path-traversal groupId", withId.apply("../../admin/cluster"), NOT_FOUND),
                new Bad("a short-form UUID groupId", withId.apply("1-1-1-1-1"), NOT_FOUND),
                new Bad("a braced groupId", () -> withId.apply("{" + group + "}").get(), NOT_FOUND),
                new Bad("a groupId with a trailing space", () -> withId.apply(group + " ").get(), NOT_FOUND))
                .map(bad -> new Bad(type + " with " + bad.name(), bad.frame(), bad.code()));
    }

    /** Well-formed groupIds of a group that does not exist, or of which the caller is not a member. */
    static Stream<Bad> groupCases(String type, Function<JsonBody, String> complete) {
        Function<Object, Supplier<String>> withId = withGroupId(type, complete);
        return Stream.of(
                new Bad("an unknown groupId", withId.apply(UUID.randomUUID().toString()), NOT_FOUND),
                new Bad("the nil UUID as groupId (unknown)", withId.apply("00000000-0000-0000-0000-000000000000"), NOT_FOUND),
                new Bad("a group of which the caller is not a member", () -> withId.apply(outsidersGroup).get(), FORBIDDEN))
                .map(bad -> new Bad(type + " with " + bad.name(), bad.frame(), bad.code()));
    }

    private static Function<Object, Supplier<String>> withGroupId(String type, Function<JsonBody, String> complete) {
        return id -> () -> complete.apply(new JsonBody(Map.of("type", type)).with("groupId", id));
    }

    // ---- assertions ----

    /** Sends the bad frame on a fresh socket: one error frame of the given code, the socket still open, nothing written. */
    static void assertRefusedWithoutWriting(Session who, Bad bad) {
        long before = writes();
        try (WsClient ws = WsClient.connect(api, who.accessToken())) {
            assertRefused(ws, bad.frame().get(), bad.code());
        }
        assertThat(writes()).as("rows and seqs written by %s", bad).isEqualTo(before);
    }

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

    /** A bad frame, built lazily (the groups exist only once the cluster runs), and the error code it must get. */
    record Bad(String name, Supplier<String> frame, String code) {
        @Override
        public String toString() {
            return name + " → " + code;
        }
    }

    record BadToken(String name, Supplier<String> value) {
        @Override
        public String toString() {
            return name;
        }
    }

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

    static String loggedOutToken() {
        Session leaver = api.newUser("leaver");
        assertThat(api.post("/api/auth/logout", leaver.accessToken(), "").status()).isEqualTo(204);
        return leaver.accessToken();
    }

    /** A bare JDK socket for what {@link WsClient} cannot send: binary frames and text split into fragments. */
    static final class RawSocket implements AutoCloseable {
        private static final HttpClient HTTP = HttpClient.newHttpClient();
        private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        private final WebSocket socket;

        private RawSocket(String url) {
            socket = HTTP.newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() {
                private final StringBuilder partial = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        texts.add(partial.toString());
                        partial.setLength(0);
                    }
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                    closeCode.complete(status);
                    return null;
                }

                @Override
                public void onError(WebSocket ws, Throwable error) {
                    closeCode.complete(-1);
                }
            }).join();
        }

        static RawSocket connect(Api api, String token) {
            return new RawSocket(api.base().replaceFirst("^http", "ws") + "/ws?access_token=" + token);
        }

        void text(String text) {
            socket.sendText(text, true).join();
        }

        void fragments(String... parts) {
            for (int i = 0; i < parts.length; i++) {
                socket.sendText(parts[i], i == parts.length - 1).join();
            }
        }

        void binary(byte[] bytes) {
            socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        }

        /** The next text frame that is not presence, or null when none comes in time or the socket closed. */
        JsonNode nextText() {
            Instant deadline = Instant.now().plus(WAIT);
            try {
                while (Instant.now().isBefore(deadline) && !closeCode.isDone()) {
                    String text = texts.poll(100, TimeUnit.MILLISECONDS);
                    if (text != null && !text.contains("\"presence\"")) {
                        return Api.JSON.readTree(text);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return texts.stream().filter(text -> !text.contains("\"presence\"")).findFirst().map(Api.JSON::readTree).orElse(null);
        }

        int awaitClose() {
            return closeCode.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
        }

        Integer closeCodeIfAny() {
            return closeCode.getNow(null);
        }

        @Override
        public void close() {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null);
            }
            socket.abort();
        }
    }
}
