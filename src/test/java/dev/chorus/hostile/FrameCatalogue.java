package dev.chorus.hostile;

import dev.chorus.hostile.FrameCase.Socket;
import dev.chorus.support.Api.Session;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.JsonBody;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The hostile WebSocket frames of SPEC §4, frame type by frame type, each with the answer it must get. The
 * authenticated socket is the member's; a refused frame must leave it open and change nothing.
 */
final class FrameCatalogue {

    static final String SUBSCRIBE = "subscribe";
    static final String UNSUBSCRIBE = "unsubscribe";
    static final String SEND = "send";
    static final String PING = "ping";
    static final String AUTH = "auth";
    static final String UNKNOWN = "unknown type";
    static final String MALFORMED_FRAME = "not a JSON object with a type";
    static final String BINARY = "binary frame";
    static final String OVERSIZED = "oversized frame";
    static final String UPGRADE = "upgrade (?access_token=)";
    static final String FIRST_AUTH = "auth as first frame";

    static final String MALFORMED = "malformed_frame";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String INVALID = "validation_failed";
    static final String NOT_FOUND = "not_found";
    static final String FORBIDDEN = "forbidden";
    static final String UNAUTHORIZED = "unauthorized";
    static final int MAX_FRAME = 64 * 1024;
    static final String SQL = HttpCatalogue.SQL;
    static final String INVISIBLE = HttpCatalogue.INVISIBLE;

    private final Fixture f;
    private final List<FrameCase> cases = new ArrayList<>();

    private FrameCatalogue(Fixture f) {
        this.f = f;
    }

    static List<FrameCase> all(Fixture f) {
        FrameCatalogue c = new FrameCatalogue(f);
        c.malformed();
        c.unknownTypes();
        c.subscribe();
        c.unsubscribe();
        c.send();
        c.ping();
        c.auth();
        c.binary();
        c.beforeAuthentication();
        c.badTokens();
        c.oversized();
        return List.copyOf(c.cases);
    }

    private void malformed() {
        Map<String, String> frames = new LinkedHashMap<>();
        frames.put("plain text", "hello");
        frames.put("a truncated object", "{\"type\":\"ping\"");
        frames.put("single-quoted JSON", "{'type':'ping'}");
        frames.put("unquoted keys", "{type:\"ping\"}");
        frames.put("an empty frame", "");
        frames.put("only whitespace", " \n\t ");
        frames.put("an empty array", "[]");
        frames.put("an array holding a valid frame", "[{\"type\":\"ping\"}]");
        frames.put("a number", "42");
        frames.put("a string", "\"ping\"");
        frames.put("null", "null");
        frames.put("a boolean", "true");
        frames.put("an object without type", "{}");
        frames.put("a type key in the wrong case", "{\"Type\":\"ping\"}");
        frames.put("a null type", "{\"type\":null}");
        frames.put("a numeric type", "{\"type\":42}");
        frames.put("a boolean type", "{\"type\":true}");
        frames.put("an array type", "{\"type\":[\"ping\"]}");
        frames.put("an object type", "{\"type\":{\"name\":\"ping\"}}");
        frames.put("two objects in one frame", "{\"type\":\"ping\"}{\"type\":\"ping\"}");
        frames.put("trailing garbage", "{\"type\":\"ping\"} garbage");
        frames.put("a comment", "/* hi */{\"type\":\"ping\"}");
        frames.put("a NaN", "{\"type\":\"subscribe\",\"groupId\":\"" + f.group() + "\",\"afterSeq\":NaN}");
        frames.put("a duplicated type key", "{\"type\":\"ping\",\"type\":\"send\",\"groupId\":\"" + f.group()
                + "\",\"content\":\"smuggled\"}");
        frames.put("a duplicated groupId key", "{\"type\":\"send\",\"groupId\":\"" + f.othersGroup() + "\",\"groupId\":\""
                + f.group() + "\",\"content\":\"smuggled\"}");
        frames.put("a byte-order mark before the object", "\uFEFF{\"type\":\"ping\"}");
        frames.put("nesting 30 000 deep", "{\"type\":\"ping\",\"x\":" + "[".repeat(30_000) + "]".repeat(30_000) + "}");
        frames.forEach((name, frame) -> error(MALFORMED_FRAME, name, frame, MALFORMED));
    }

    private void unknownTypes() {
        for (String type : List.of("PING", "", " ping ", "ping\u0000", "\u202Eping", "pi\u200Bng", "message", "pong", "ack", "error",
                "subscribed", "unsubscribed", "authenticated", "presence", "delete", "__proto__", "constructor", SQL,
                "x".repeat(10_000))) {
            String shown = type.length() > 30 ? type.length() + " characters" : type;
            error(UNKNOWN, "type \"" + shown + "\"", JsonBody.of("type", type).json(), UNKNOWN_TYPE);
        }
        error(UNKNOWN, "type of an unpaired surrogate", "{\"type\":\"\\ud800\"}", UNKNOWN_TYPE);
        error(UNKNOWN, "an invented type naming a group", JsonBody.of("type", "delete").with("groupId", f.group()).json(), UNKNOWN_TYPE);
    }

    private void subscribe() {
        groupIdCases(SUBSCRIBE, b -> b);
        groupCases(SUBSCRIBE, b -> b);
        Function<Object, String> after = seq -> JsonBody.of("type", SUBSCRIBE).with("groupId", f.group()).with("afterSeq", seq).json();
        error(SUBSCRIBE, "afterSeq -1", after.apply(-1), INVALID);
        error(SUBSCRIBE, "afterSeq Long.MIN_VALUE", after.apply(Long.MIN_VALUE), INVALID);
        error(SUBSCRIBE, "afterSeq 1.5", after.apply(1.5), INVALID);
        error(SUBSCRIBE, "afterSeq 1e3", "{\"type\":\"subscribe\",\"groupId\":\"" + f.group() + "\",\"afterSeq\":1e3}", INVALID);
        error(SUBSCRIBE, "afterSeq -0.0", "{\"type\":\"subscribe\",\"groupId\":\"" + f.group() + "\",\"afterSeq\":-0.0}", INVALID);
        error(SUBSCRIBE, "afterSeq as a string", after.apply("5"), INVALID);
        error(SUBSCRIBE, "afterSeq as an SQL-ish string", after.apply(SQL), INVALID);
        error(SUBSCRIBE, "afterSeq as a boolean", after.apply(true), INVALID);
        error(SUBSCRIBE, "afterSeq as an array", after.apply(List.of(5)), INVALID);
        error(SUBSCRIBE, "afterSeq as an object", after.apply(Map.of()), INVALID);
        error(SUBSCRIBE, "afterSeq beyond a long", "{\"type\":\"subscribe\",\"groupId\":\"" + f.group()
                + "\",\"afterSeq\":99999999999999999999999}", INVALID);
        error(SUBSCRIBE, "afterSeq of 400 digits", "{\"type\":\"subscribe\",\"groupId\":\"" + f.group() + "\",\"afterSeq\":"
                + "9".repeat(400) + "}", INVALID);
        // A valid subscribe (of the proof group, whose presence the write check leaves out): nothing to replay.
        reply(SUBSCRIBE, "afterSeq Long.MAX_VALUE (valid: nothing after it)", JsonBody.of("type", SUBSCRIBE)
                .with("groupId", f.proofGroup()).with("afterSeq", Long.MAX_VALUE).json(), "subscribed");
        reply(SUBSCRIBE, "the same group again with afterSeq 0 (valid: a resubscribe)", JsonBody.of("type", SUBSCRIBE)
                .with("groupId", f.proofGroup()).with("afterSeq", 0).json(), "subscribed");
        error(SUBSCRIBE, "an unknown group with a valid afterSeq",
                JsonBody.of("type", SUBSCRIBE).with("groupId", UUID.randomUUID().toString()).with("afterSeq", 0).json(), NOT_FOUND);
        error(SUBSCRIBE, "another's group with afterSeq 0",
                JsonBody.of("type", SUBSCRIBE).with("groupId", f.othersGroup()).with("afterSeq", 0).json(), FORBIDDEN);
        error(SUBSCRIBE, "another's group with a forged userId", JsonBody.of("type", SUBSCRIBE).with("groupId", f.othersGroup())
                .with("userId", f.outsider().userId()).json(), FORBIDDEN);
    }

    private void unsubscribe() {
        groupIdCases(UNSUBSCRIBE, b -> b);
        error(UNSUBSCRIBE, "an unknown group", JsonBody.of("type", UNSUBSCRIBE).with("groupId", UUID.randomUUID().toString()).json(),
                NOT_FOUND);
        error(UNSUBSCRIBE, "a group of which the caller is not a member",
                JsonBody.of("type", UNSUBSCRIBE).with("groupId", f.othersGroup()).json(), FORBIDDEN);
        reply(UNSUBSCRIBE, "its own group, not subscribed (answered, nothing to undo)",
                JsonBody.of("type", UNSUBSCRIBE).with("groupId", f.group()).json(), "unsubscribed");
    }

    private void send() {
        Function<JsonBody, JsonBody> valid = b -> b.with("content", "hello").with("clientMessageId", "bad-" + UUID.randomUUID());
        groupIdCases(SEND, valid);
        groupCases(SEND, valid);
        JsonBody ok = JsonBody.of("type", SEND).with("groupId", f.group()).with("content", "hello");
        Map<String, Object> contents = new LinkedHashMap<>();
        contents.put("no content", Absent.FIELD);
        contents.put("a null content", null);
        contents.put("an empty content", "");
        contents.put("a numeric content", 42);
        contents.put("a boolean content", true);
        contents.put("an array content", List.of("hello"));
        contents.put("an object content", Map.of("text", "hello"));
        contents.put("a content of 4001 characters", "x".repeat(4001));
        contents.put("a content of 4001 emoji (8002 chars)", "\uD83D\uDE00".repeat(4001));
        contents.put("a content containing NUL", "a\u0000b");
        contents.forEach((name, value) -> error(SEND, name, value == Absent.FIELD ? ok.without("content").json()
                : ok.with("content", value).json(), INVALID));
        String head = "{\"type\":\"send\",\"groupId\":\"" + f.group() + "\",\"content\":";
        error(SEND, "a content with an unpaired high surrogate", head + "\"a\\ud800b\"}", INVALID);
        error(SEND, "a content with an unpaired low surrogate", head + "\"a\\udc00b\"}", INVALID);
        error(SEND, "a content with a reversed surrogate pair", head + "\"\\udc00\\ud800\"}", INVALID);
        error(SEND, "a content ending in half a pair", head + "\"ok \\ud83d\"}", INVALID);
        Map<String, Object> ids = new LinkedHashMap<>();
        ids.put("an empty clientMessageId", "");
        ids.put("a clientMessageId of 101 characters", "c".repeat(101));
        ids.put("a numeric clientMessageId", 42);
        ids.put("a boolean clientMessageId", true);
        ids.put("an array clientMessageId", List.of("c-1"));
        ids.put("an object clientMessageId", Map.of("id", "c-1"));
        ids.put("a clientMessageId containing NUL", "c\u0000d");
        ids.forEach((name, value) -> error(SEND, name, ok.with("clientMessageId", value).json(), INVALID));
        error(SEND, "a clientMessageId with an unpaired surrogate", head + "\"hello\",\"clientMessageId\":\"c\\ud800\"}", INVALID);
        error(SEND, "to another's group with a forged senderId", ok.with("groupId", f.othersGroup())
                .with("senderId", f.outsider().userId()).json(), FORBIDDEN);
        error(SEND, "to another's group with targetIds naming its own", ok.with("groupId", f.othersGroup())
                .with("targetIds", List.of(f.group())).json(), FORBIDDEN);
    }

    private void ping() {
        reply(PING, "with extra fields (ignored)", JsonBody.of("type", PING).with("groupId", SQL).with("afterSeq", -1).json(), "pong");
        reply(PING, "with a 60 KiB padding field", JsonBody.of("type", PING).with("pad", "x".repeat(60 * 1024)).json(), "pong");
        reply(PING, "with invisible characters in an extra field", JsonBody.of("type", PING).with("x", INVISIBLE).json(), "pong");
        add(new FrameCase(PING, "split into three fragments", Socket.SHARED, "pong", null, null, 0,
                ws -> ws.sendFragments("{\"type\"", ":\"pi", "ng\"}")));
    }

    /** An auth frame on an authenticated socket: a bad or foreign token is refused and the socket keeps its own. */
    private void auth() {
        Session member = f.member();
        Map<String, Object> tokens = new LinkedHashMap<>();
        tokens.put("no token", Absent.FIELD);
        tokens.put("a null token", null);
        tokens.put("a numeric token", 42);
        tokens.put("an array holding the member's own token", List.of(member.accessToken()));
        tokens.put("an object token", Map.of("token", member.accessToken()));
        tokens.put("an empty token", "");
        tokens.put("a garbage token", "this-is-not-a-jwt");
        tokens.put("a token signed with another secret", ForgedTokens.hs256(member, HttpCatalogue.OTHER_SECRET,
                Instant.now().plus(Duration.ofHours(2))));
        tokens.put("an expired token", ForgedTokens.hs256(member, TestCluster.SECRET, Instant.now().minus(Duration.ofHours(1))));
        tokens.put("an alg=none token", ForgedTokens.unsigned(member));
        tokens.put("a logged-out user's token", f.loggedOut().accessToken());
        tokens.put("an SQL-ish token", SQL);
        tokens.put("a token of 10 000 characters", "a".repeat(10_000));
        tokens.forEach((name, token) -> error(AUTH, name, token == Absent.FIELD ? JsonBody.of("type", AUTH).json()
                : JsonBody.of("type", AUTH).with("token", token).json(), UNAUTHORIZED));
        error(AUTH, "another user's valid token", JsonBody.of("type", AUTH).with("token", f.owner().accessToken()).json(), FORBIDDEN);
        error(AUTH, "another user's claims signed with another secret", JsonBody.of("type", AUTH)
                .with("token", ForgedTokens.hs256(f.outsider(), HttpCatalogue.OTHER_SECRET, Instant.now().plusSeconds(600))).json(),
                UNAUTHORIZED);
    }

    private void binary() {
        for (Map.Entry<String, byte[]> e : Map.of(
                "a JSON ping as binary", "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8),
                "a send as binary", ("{\"type\":\"send\",\"groupId\":\"" + f.group() + "\",\"content\":\"bin\"}").getBytes(StandardCharsets.UTF_8),
                "random bytes", new byte[] {0, (byte) 0xFF, (byte) 0xC3, 0x28, 0x7F, (byte) 0x80},
                "an empty binary frame", new byte[0],
                "60 KiB of zeros", new byte[60 * 1024]).entrySet()) {
            add(new FrameCase(BINARY, e.getKey(), Socket.SHARED, "error", "unsupported_frame", null, 0, ws -> ws.sendBinary(e.getValue())));
        }
    }

    /** Frames on a socket that has not authenticated yet: refused, the socket stays open and can still authenticate. */
    private void beforeAuthentication() {
        String subscribe = JsonBody.of("type", SUBSCRIBE).with("groupId", f.group()).json();
        String unsubscribe = JsonBody.of("type", UNSUBSCRIBE).with("groupId", f.group()).json();
        String send = JsonBody.of("type", SEND).with("groupId", f.group()).with("content", "too early").with("clientMessageId", "early").json();
        before(SUBSCRIBE, "subscribe", subscribe, "error", UNAUTHORIZED);
        before(SUBSCRIBE, "subscribe with afterSeq", JsonBody.of("type", SUBSCRIBE).with("groupId", f.group()).with("afterSeq", 0).json(),
                "error", UNAUTHORIZED);
        before(UNSUBSCRIBE, "unsubscribe", unsubscribe, "error", UNAUTHORIZED);
        before(SEND, "send", send, "error", UNAUTHORIZED);
        before(SEND, "send naming a userId", JsonBody.of("type", SEND).with("groupId", f.group()).with("content", "as someone")
                .with("userId", f.member().userId()).json(), "error", UNAUTHORIZED);
        before(PING, "ping", JsonBody.of("type", PING).json(), "pong", null);
        before(UNKNOWN, "an unknown type", JsonBody.of("type", "delete").json(), "error", UNKNOWN_TYPE);
        before(MALFORMED_FRAME, "plain text", "hello", "error", MALFORMED);
        add(new FrameCase(BINARY, "before auth: a binary frame", Socket.SHARED_UNAUTHENTICATED, "error", "unsupported_frame", null, 0,
                ws -> ws.sendBinary("{\"type\":\"auth\"}".getBytes(StandardCharsets.UTF_8))));
    }

    /** A bad token in the query or in the first auth frame: {@code unauthorized}, then close 1008. */
    private void badTokens() {
        Session member = f.member();
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("a garbage token", "this-is-not-a-jwt");
        tokens.put("a three-part garbage token", "aaa.bbb.ccc");
        tokens.put("an empty token", "");
        tokens.put("a token of 5 000 characters", "a".repeat(5000));
        tokens.put("a token signed with another secret", ForgedTokens.hs256(member, HttpCatalogue.OTHER_SECRET, Instant.now().plusSeconds(600)));
        tokens.put("an expired token", ForgedTokens.hs256(member, TestCluster.SECRET, Instant.now().minus(Duration.ofHours(1))));
        tokens.put("an alg=none token", ForgedTokens.unsigned(member));
        tokens.put("a logged-out user's token", f.loggedOut().accessToken());
        tokens.put("an SQL-ish token", SQL);
        tokens.put("a token behind invisible characters", INVISIBLE + member.accessToken());
        tokens.forEach((name, token) -> {
            add(new FrameCase(UPGRADE, name, Socket.OWN, "error", UNAUTHORIZED, URLEncoder.encode(token, StandardCharsets.UTF_8), 1008,
                    ws -> { }));
            add(new FrameCase(FIRST_AUTH, name, Socket.OWN, "error", UNAUTHORIZED, null, 1008,
                    ws -> ws.sendText(JsonBody.of("type", AUTH).with("token", token).json())));
        });
        add(new FrameCase(UPGRADE, "the token twice, second one garbage", Socket.OWN, "error", UNAUTHORIZED,
                "garbage&access_token=" + member.accessToken(), 1008, ws -> { }));
        for (String frame : List.of("{\"type\":\"auth\"}", "{\"type\":\"auth\",\"token\":null}", "{\"type\":\"auth\",\"token\":42}",
                "{\"type\":\"auth\",\"token\":[\"" + member.accessToken() + "\"]}")) {
            add(new FrameCase(FIRST_AUTH, frame.length() > 40 ? "a token in an array" : frame, Socket.OWN, "error", UNAUTHORIZED,
                    null, 1008, ws -> ws.sendText(frame)));
        }
    }

    /** The container refuses a frame over 64 KiB by closing the socket with 1009 (message too big), before reading it. */
    private void oversized() {
        String member = f.member().accessToken();
        oversize("a ping of 64 KiB + 1 byte", member, ws -> ws.sendText(padded(MAX_FRAME + 1, "x")));
        oversize("a ping over the limit in bytes but not in characters", member, ws -> ws.sendText(padded(MAX_FRAME + 16_000, "é")));
        oversize("a frame over the limit in four fragments", member, ws -> {
            String big = padded(MAX_FRAME + 1024, "x");
            int q = big.length() / 4;
            ws.sendFragments(big.substring(0, q), big.substring(q, 2 * q), big.substring(2 * q, 3 * q), big.substring(3 * q));
        });
        oversize("a send whose content is 64 KiB", member, ws -> ws.sendText(JsonBody.of("type", SEND).with("groupId", f.group())
                .with("content", "y".repeat(MAX_FRAME)).with("clientMessageId", "huge").json()));
        oversize("1 MiB of garbage before authenticating", null, ws -> ws.sendText("z".repeat(1024 * 1024)));
    }

    // ---- groupIds shared by subscribe, unsubscribe and send ----

    /** groupIds refused for their shape: missing or not a string is invalid, a string that is no UUID is not found. */
    private void groupIdCases(String type, Function<JsonBody, JsonBody> complete) {
        Function<Object, String> withId = id -> complete.apply(JsonBody.of("type", type).with("groupId", id)).json();
        error(type, "no groupId", complete.apply(JsonBody.of("type", type)).json(), INVALID);
        error(type, "a null groupId", withId.apply(null), INVALID);
        error(type, "a numeric groupId", withId.apply(42), INVALID);
        error(type, "a boolean groupId", withId.apply(true), INVALID);
        error(type, "an array groupId", withId.apply(List.of(f.group())), INVALID);
        error(type, "an object groupId", withId.apply(Map.of("id", f.group())), INVALID);
        error(type, "an empty groupId", withId.apply(""), NOT_FOUND);
        error(type, "a groupId that is not a UUID", withId.apply("not-a-uuid"), NOT_FOUND);
        error(type, "an SQL-ish groupId", withId.apply(SQL), NOT_FOUND);
        error(type, "a groupId followed by SQL", withId.apply(f.group() + "'; DELETE FROM messages; --"), NOT_FOUND);
        error(type, "a path-traversal groupId", withId.apply("../../admin/cluster"), NOT_FOUND);
        error(type, "a short-form UUID groupId", withId.apply("1-1-1-1-1"), NOT_FOUND);
        error(type, "a braced groupId", withId.apply("{" + f.group() + "}"), NOT_FOUND);
        error(type, "a groupId with a trailing space", withId.apply(f.group() + " "), NOT_FOUND);
        error(type, "a groupId behind invisible characters", withId.apply(INVISIBLE + f.group()), NOT_FOUND);
        error(type, "a groupId with NUL", withId.apply(f.group() + "\u0000"), NOT_FOUND);
        error(type, "a groupId of 10 000 characters", withId.apply("9".repeat(10_000)), NOT_FOUND);
    }

    /** Well-formed groupIds of a group that does not exist, or of which the caller is not a member. */
    private void groupCases(String type, Function<JsonBody, JsonBody> complete) {
        Function<Object, String> withId = id -> complete.apply(JsonBody.of("type", type).with("groupId", id)).json();
        error(type, "an unknown groupId", withId.apply(UUID.randomUUID().toString()), NOT_FOUND);
        error(type, "the nil UUID as groupId", withId.apply("00000000-0000-0000-0000-000000000000"), NOT_FOUND);
        error(type, "a user's id as groupId", withId.apply(f.member().userId()), NOT_FOUND);
        error(type, "a group of which the caller is not a member", withId.apply(f.othersGroup()), FORBIDDEN);
    }

    // ---- building cases ----

    /** A marker for "leave the field out", since null means a JSON null. */
    private enum Absent {
        FIELD
    }

    private void error(String frame, String name, String text, String code) {
        add(new FrameCase(frame, name, Socket.SHARED, "error", code, null, 0, ws -> ws.sendText(text)));
    }

    private void reply(String frame, String name, String text, String type) {
        add(new FrameCase(frame, name, Socket.SHARED, type, null, null, 0, ws -> ws.sendText(text)));
    }

    private void before(String frame, String name, String text, String type, String code) {
        add(new FrameCase(frame, "before auth: " + name, Socket.SHARED_UNAUTHENTICATED, type, code, null, 0, ws -> ws.sendText(text)));
    }

    private void oversize(String name, String token, Consumer<WsClient> action) {
        add(new FrameCase(OVERSIZED, name, Socket.OWN, null, null, token, 1009, action));
    }

    private void add(FrameCase c) {
        cases.add(c);
    }

    /** A ping padded with an ignored field to exactly {@code bytes} bytes of UTF-8. */
    static String padded(int bytes, String pad) {
        String head = "{\"type\":\"ping\",\"pad\":\"";
        String tail = "\"}";
        int room = bytes - head.length() - tail.length();
        int each = pad.getBytes(StandardCharsets.UTF_8).length;
        return head + pad.repeat(room / each) + "x".repeat(room % each) + tail;
    }
}
