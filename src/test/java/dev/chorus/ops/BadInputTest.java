package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.chorus.support.Api;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.JsonBody;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * SPEC §3: bad input on every auth, group and message endpoint gets the documented 4xx in the one error shape, never
 * a 5xx, and writes nothing. "Nothing" is checked on the rows of users, groups, group_members and messages and on
 * the groups' seq counters, read straight from the database before and after each bad request.
 *
 * <p>One instance is enough: nothing here depends on which instance answers. Rate limits are off so that the many
 * requests are judged on their content alone.
 */
class BadInputTest {

    static final String SQL_ISH = "' OR 1=1 --";
    static final String OTHER_SECRET = "another-secret-of-at-least-32-bytes-for-hmac";
    static final String MALFORMED_JSON = "malformed_json";
    static final String VALIDATION_FAILED = "validation_failed";

    static TestCluster cluster;
    static Api api;
    static Session owner;
    static Session member;
    static Session outsider;
    static String group;
    static String otherGroup;

    @BeforeAll
    static void startOneInstanceWithAGroupOfTwoAndAnOutsider() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_USER", "0").with("RATE_LIMIT_PER_IP", "0")
                .with("RATE_LIMIT_LOGIN", "0");
        api = cluster.start("chorus-1").api();
        owner = api.newUser("owner");
        member = api.newUser("member");
        outsider = api.newUser("outsider");
        group = api.createGroup(owner.accessToken(), "team");
        otherGroup = api.createGroup(outsider.accessToken(), "elsewhere");
        assertThat(api.post(membersOf(group), owner.accessToken(), Map.of("email", member.email())).status()).isEqualTo(201);
        assertThat(post(owner, message("first", group)).status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    // ---- one nested class per endpoint of SPEC §3 ----

    @Nested
    class Register {

        static Stream<Bad> cases() {
            return Stream.of(
                    malformed("a truncated JSON object", () -> register("{\"email\":")),
                    malformed("a JSON array instead of an object", () -> register("[]")),
                    malformed("the JSON literal null", () -> register("null")),
                    malformed("an empty body", () -> register("")),
                    malformed("email as an object", () -> register(newAccount().with("email", Map.of()))),
                    malformed("displayName as an array", () -> register(newAccount().with("displayName", List.of("x")))),
                    invalid("no email", () -> register(newAccount().without("email"))),
                    invalid("no password", () -> register(newAccount().without("password"))),
                    invalid("no displayName", () -> register(newAccount().without("displayName"))),
                    invalid("a blank displayName", () -> register(newAccount().with("displayName", "   "))),
                    invalid("an email that is not an address", () -> register(newAccount().with("email", "not-an-email"))),
                    invalid("an SQL-ish email", () -> register(newAccount().with("email", SQL_ISH))),
                    invalid("an email over 254 characters",
                            () -> register(newAccount().with("email", "a".repeat(64) + "@" + "b".repeat(186) + ".test"))),
                    invalid("a password of 7 characters", () -> register(newAccount().with("password", "1234567"))),
                    invalid("a password of 129 characters", () -> register(newAccount().with("password", "p".repeat(129)))),
                    invalid("a displayName of 101 characters", () -> register(newAccount().with("displayName", "d".repeat(101)))),
                    bad("a text/plain body", 415, "unsupported_media_type",
                            () -> api.postRaw("/api/auth/register", null, newAccount().json(), "text/plain")),
                    bad("no Content-Type", 415, "unsupported_media_type",
                            () -> api.postRaw("/api/auth/register", null, newAccount().json(), null)),
                    bad("an e-mail that is already registered", 409, "email_taken",
                            () -> register(newAccount().with("email", member.email()))),
                    bad("an already registered e-mail in upper case", 409, "email_taken",
                            () -> register(newAccount().with("email", member.email().toUpperCase()))));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadRegistrationIsRefusedAndCreatesNoAccount(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }

        @Test
        void unknownFieldsAreIgnoredAndCannotGrantARole() {
            Response r = register(newAccount().with("roles", List.of("ADMIN")).with("id", randomId()));

            assertThat(r.status()).as("%s", r).isEqualTo(201);
            assertThat(r.json().path("user").path("roles").toString()).isEqualTo("[\"USER\"]");
        }

        @Test
        void aDisplayNameOfOnlyControlCharactersIsRefused() {
            assertRefusedWithoutWriting(invalid("a displayName of control characters",
                    () -> register(newAccount().with("displayName", "\u0001\u0002"))));
        }
    }

    @Nested
    class Login {

        static Stream<Bad> cases() {
            String refused = "invalid_credentials";
            return Stream.of(
                    malformed("a truncated JSON object", () -> login("{\"email\":\"a@b.test\",")),
                    malformed("a JSON array instead of an object", () -> login("[\"a@b.test\"]")),
                    malformed("email as an array", () -> login(credentials(owner).with("email", List.of(owner.email())))),
                    invalid("no email", () -> login(credentials(owner).without("email"))),
                    invalid("no password", () -> login(credentials(owner).without("password"))),
                    invalid("a blank email", () -> login(credentials(owner).with("email", " "))),
                    invalid("a password of 129 characters", () -> login(credentials(owner).with("password", "p".repeat(129)))),
                    bad("a text/plain body", 415, "unsupported_media_type",
                            () -> api.postRaw("/api/auth/login", null, credentials(owner).json(), "text/plain")),
                    bad("a wrong password", 401, refused, () -> login(credentials(owner).with("password", "wrong password"))),
                    bad("an unknown e-mail", 401, refused, () -> login(credentials(owner).with("email", "nobody@example.test"))),
                    bad("an SQL-ish e-mail", 401, refused, () -> login(credentials(owner).with("email", SQL_ISH))),
                    bad("an SQL-ish password", 401, refused, () -> login(credentials(owner).with("password", SQL_ISH))));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadLoginIsRefused(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }
    }

    @Nested
    class Refresh {

        static Stream<Bad> cases() {
            String invalid = "invalid_refresh_token";
            return Stream.of(
                    malformed("a truncated JSON object", () -> refresh("{\"refreshToken\":")),
                    malformed("a JSON array instead of an object", () -> refresh("[]")),
                    malformed("refreshToken as an object", () -> refresh(JsonBody.of("refreshToken", Map.of("a", 1)))),
                    invalid("a refreshToken of 201 characters", () -> refresh(JsonBody.of("refreshToken", "t".repeat(201)))),
                    bad("a text/plain body", 415, "unsupported_media_type",
                            () -> api.postRaw("/api/auth/refresh", null, "{\"refreshToken\":\"x\"}", "text/plain")),
                    bad("an empty JSON object", 401, invalid, () -> refresh("{}")),
                    bad("no body and no cookie", 401, invalid,
                            () -> api.send(api.request("/api/auth/refresh", null).POST(BodyPublishers.noBody()))),
                    bad("a garbage token", 401, invalid, () -> refresh(JsonBody.of("refreshToken", "garbage"))),
                    bad("an SQL-ish token", 401, invalid, () -> refresh(JsonBody.of("refreshToken", SQL_ISH))),
                    bad("a well-formed token of an unknown session", 401, invalid,
                            () -> refresh(JsonBody.of("refreshToken", UUID.randomUUID() + ".c2VjcmV0"))),
                    bad("a garbage cookie", 401, invalid, () -> api.send(api.request("/api/auth/refresh", null)
                            .header("Cookie", "refreshToken=garbage").POST(BodyPublishers.noBody()))));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadRefreshIsRefused(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }
    }

    @Nested
    class CreateGroup {

        static Stream<Bad> cases() {
            return Stream.of(
                    malformed("a truncated JSON object", () -> createGroup("{\"name\":\"x\"")),
                    malformed("a JSON string instead of an object", () -> createGroup("\"name\"")),
                    malformed("name as an array", () -> createGroup(JsonBody.of("name", List.of("x")))),
                    malformed("name as an object", () -> createGroup(JsonBody.of("name", Map.of("x", 1)))),
                    invalid("no name", () -> createGroup("{}")),
                    invalid("a null name", () -> createGroup("{\"name\":null}")),
                    invalid("a blank name", () -> createGroup(JsonBody.of("name", " \t "))),
                    invalid("a name of 101 characters", () -> createGroup(JsonBody.of("name", "n".repeat(101)))),
                    bad("a text/plain body", 415, "unsupported_media_type",
                            () -> api.postRaw("/api/groups", owner.accessToken(), "{\"name\":\"x\"}", "text/plain")));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadGroupIsNotCreated(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }

        @Test
        void aNameOfOnlyControlCharactersIsRefused() {
            assertRefusedWithoutWriting(invalid("a name of control characters",
                    () -> createGroup(JsonBody.of("name", "\u0001\u0007"))));
        }
    }

    @Nested
    class AddMember {

        static Stream<Bad> cases() {
            JsonBody email = JsonBody.of("email", outsider.email());
            return Stream.of(
                    malformed("a truncated JSON object", () -> addMember(owner, group, "{\"email\":")),
                    malformed("email as an array", () -> addMember(owner, group, JsonBody.of("email", List.of(outsider.email())))),
                    invalid("no email", () -> addMember(owner, group, "{}")),
                    invalid("a blank email", () -> addMember(owner, group, JsonBody.of("email", ""))),
                    invalid("an email of 255 characters", () -> addMember(owner, group, JsonBody.of("email", "e".repeat(255)))),
                    bad("a text/plain body", 415, "unsupported_media_type",
                            () -> api.postRaw(membersOf(group), owner.accessToken(), email.json(), "text/plain")),
                    notFound("an unknown group", () -> addMember(owner, randomId(), email)),
                    notFound("a malformed group id", () -> addMember(owner, "not-a-uuid", email)),
                    notFound("a group id without dashes", () -> addMember(owner, group.replace("-", ""), email)),
                    notFound("an SQL-ish group id", () -> addMember(owner, encoded(SQL_ISH), email)),
                    forbidden("a member who is not the owner", () -> addMember(member, group, email)),
                    forbidden("a non-member", () -> addMember(outsider, group, JsonBody.of("email", outsider.email()))),
                    notFound("an unknown user", () -> addMember(owner, group, JsonBody.of("email", "nobody@example.test"))),
                    notFound("an SQL-ish e-mail", () -> addMember(owner, group, JsonBody.of("email", SQL_ISH))),
                    bad("someone already a member", 409, "already_member",
                            () -> addMember(owner, group, JsonBody.of("email", member.email()))),
                    bad("the owner themself", 409, "already_member",
                            () -> addMember(owner, group, JsonBody.of("email", owner.email()))));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadAdditionAddsNobody(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }
    }

    @Nested
    class RemoveMember {

        static Stream<Bad> cases() {
            return Stream.of(
                    notFound("an unknown group", () -> removeMember(owner, randomId(), member.userId())),
                    notFound("a malformed group id", () -> removeMember(owner, "not-a-uuid", member.userId())),
                    notFound("an SQL-ish group id", () -> removeMember(owner, encoded(SQL_ISH), member.userId())),
                    notFound("a malformed user id", () -> removeMember(owner, group, "12345")),
                    notFound("an SQL-ish user id", () -> removeMember(owner, group, encoded(SQL_ISH))),
                    notFound("a user who is not a member", () -> removeMember(owner, group, outsider.userId())),
                    notFound("an unknown user", () -> removeMember(owner, group, randomId())),
                    forbidden("a member removing the owner", () -> removeMember(member, group, owner.userId())),
                    forbidden("a non-member removing a member", () -> removeMember(outsider, group, member.userId())),
                    notFound("a non-member leaving", () -> removeMember(outsider, group, outsider.userId())),
                    bad("the owner leaving", 409, "owner_cannot_leave", () -> removeMember(owner, group, owner.userId())));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadRemovalRemovesNobody(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }
    }

    @Nested
    class PostMessage {

        static Stream<Bad> cases() {
            List<String> fiftyOne = IntStream.range(0, 51).mapToObj(i -> randomId()).toList();
            return Stream.of(
                    malformed("a truncated JSON object", () -> post(owner, "{\"content\":\"hi\",\"targetType\":")),
                    malformed("a JSON array instead of an object", () -> post(owner, "[" + message("hi", group).json() + "]")),
                    malformed("targetIds as a string", () -> post(owner, message("hi", group).with("targetIds", group))),
                    malformed("targetIds as an object", () -> post(owner, message("hi").with("targetIds", Map.of("id", group)))),
                    malformed("a target id as an object", () -> post(owner, message("hi").with("targetIds", List.of(Map.of())))),
                    malformed("content as an object", () -> post(owner, message("hi", group).with("content", Map.of("a", 1)))),
                    malformed("content as an array", () -> post(owner, message("hi", group).with("content", List.of("hi")))),
                    invalid("no content", () -> post(owner, message("hi", group).without("content"))),
                    invalid("no targetType", () -> post(owner, message("hi", group).without("targetType"))),
                    invalid("no targetIds", () -> post(owner, message("hi", group).without("targetIds"))),
                    invalid("empty content", () -> post(owner, message("", group))),
                    invalid("content of 4001 characters", () -> post(owner, message("c".repeat(4001), group))),
                    invalid("targetType user", () -> post(owner, message("hi", group).with("targetType", "user"))),
                    invalid("targetType GROUP", () -> post(owner, message("hi", group).with("targetType", "GROUP"))),
                    invalid("no target", () -> post(owner, message("hi"))),
                    invalid("51 targets", () -> post(owner, message("hi").with("targetIds", fiftyOne))),
                    invalid("a null target", () -> post(owner, message("hi").with("targetIds", Collections.singletonList(null)))),
                    invalid("a target id of 65 characters", () -> post(owner, message("hi", "g".repeat(65)))),
                    invalid("an empty clientMessageId", () -> post(owner, message("hi", group).with("clientMessageId", ""))),
                    invalid("a clientMessageId of 101 characters",
                            () -> post(owner, message("hi", group).with("clientMessageId", "m".repeat(101)))),
                    notFound("an unknown group", () -> post(owner, message("hi", randomId()))),
                    notFound("a malformed group id", () -> post(owner, message("hi", "not-a-uuid"))),
                    notFound("an SQL-ish group id", () -> post(owner, message("hi", SQL_ISH))),
                    notFound("a known group and an unknown one", () -> post(owner, message("hi", group, randomId()))),
                    forbidden("a non-member", () -> post(outsider, message("hi", group))),
                    forbidden("a member of only one of two targets", () -> post(owner, message("hi", group, otherGroup))),
                    bad("a text/plain body", 415, "unsupported_media_type",
                            () -> api.postRaw("/api/messages", owner.accessToken(), message("hi", group).json(), "text/plain")),
                    bad("no Content-Type", 415, "unsupported_media_type",
                            () -> api.postRaw("/api/messages", owner.accessToken(), message("hi", group).json(), null)));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadPostStoresNoMessage(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }

        @Test
        void aMultiTargetPostByAMemberOfOnlyOneGroupIsForbiddenAndWritesToNeither() {
            String ownersOnly = api.createGroup(owner.accessToken(), "owners only");
            Rows before = Rows.now();

            Response r = post(owner, message("to both", ownersOnly, otherGroup).with("clientMessageId", "multi-" + randomId()));

            assertError(r, 403, "forbidden");
            assertThat(Rows.now()).isEqualTo(before);
            assertThat(history(ownersOnly)).isEmpty();
            assertThat(api.get(historyOf(otherGroup), outsider.accessToken()).json().path("messages").size()).isZero();
        }

        @Test
        void reusingAClientMessageIdDoesNotBypassTheMembershipCheck() {
            String clientMessageId = "reuse-" + randomId();
            assertThat(post(owner, message("original", group).with("clientMessageId", clientMessageId)).status()).isEqualTo(201);

            assertRefusedWithoutWriting(forbidden("the same clientMessageId to a group of others",
                    () -> post(owner, message("original", otherGroup).with("clientMessageId", clientMessageId))));
            assertRefusedWithoutWriting(notFound("the same clientMessageId to an unknown group",
                    () -> post(owner, message("original", randomId()).with("clientMessageId", clientMessageId))));
        }
    }

    @Nested
    class History {

        static Stream<Bad> cases() {
            return Stream.of(
                    invalid("limit=0", () -> history(owner, group, "?limit=0")),
                    invalid("limit=201", () -> history(owner, group, "?limit=201")),
                    invalid("limit=-1", () -> history(owner, group, "?limit=-1")),
                    invalid("limit=abc", () -> history(owner, group, "?limit=abc")),
                    invalid("limit=1.5", () -> history(owner, group, "?limit=1.5")),
                    invalid("limit=2147483648", () -> history(owner, group, "?limit=2147483648")),
                    invalid("afterSeq=-1", () -> history(owner, group, "?afterSeq=-1")),
                    invalid("beforeSeq=-1", () -> history(owner, group, "?beforeSeq=-1")),
                    invalid("afterSeq=abc", () -> history(owner, group, "?afterSeq=abc")),
                    invalid("afterSeq beyond a long", () -> history(owner, group, "?afterSeq=99999999999999999999")),
                    invalid("an SQL-ish afterSeq", () -> history(owner, group, "?afterSeq=" + encoded(SQL_ISH))),
                    notFound("an unknown group", () -> history(owner, randomId(), "")),
                    notFound("a malformed group id", () -> history(owner, "not-a-uuid", "")),
                    notFound("an SQL-ish group id", () -> history(owner, encoded(SQL_ISH), "")),
                    forbidden("a non-member", () -> history(outsider, group, "")),
                    notFound("a non-member asking for an unknown group", () -> history(outsider, randomId(), "")));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("cases")
        void aBadHistoryRequestIsRefused(Bad bad) {
            assertRefusedWithoutWriting(bad);
        }
    }

    // ---- concerns that cut across endpoints ----

    /**
     * Every endpoint that needs a user refuses a missing or bad access token with 401. The bad tokens name the
     * owner and the owner's live session, so a token accepted by mistake would act as the owner: post, add, remove,
     * even end the session; hence the check that the owner's real token still works afterwards.
     */
    @Nested
    class Tokens {

        static Stream<Arguments> endpointsAndBadTokens() {
            List<Endpoint> endpoints = List.of(
                    new Endpoint("POST /api/auth/logout", t -> api.post("/api/auth/logout", t, "")),
                    new Endpoint("GET /api/users/me", t -> api.get("/api/users/me", t)),
                    new Endpoint("POST /api/groups", t -> api.post("/api/groups", t, Map.of("name", "by a bad token"))),
                    new Endpoint("GET /api/groups", t -> api.get("/api/groups", t)),
                    new Endpoint("POST /api/groups/{id}/members",
                            t -> api.post(membersOf(group), t, Map.of("email", outsider.email()))),
                    new Endpoint("DELETE /api/groups/{id}/members/{userId}",
                            t -> api.delete(membersOf(group) + "/" + member.userId(), t)),
                    new Endpoint("POST /api/messages",
                            t -> api.post("/api/messages", t, message("by a bad token", group).json())),
                    new Endpoint("GET /api/groups/{id}/messages", t -> api.get(historyOf(group), t)));
            List<BadToken> tokens = List.of(
                    new BadToken("no", () -> null),
                    new BadToken("an empty", () -> ""),
                    new BadToken("a garbage", () -> "this-is-not-a-jwt"),
                    new BadToken("a three-part garbage", () -> "aaa.bbb.ccc"),
                    new BadToken("a forged (other secret)", () -> ForgedTokens.hs256(owner, OTHER_SECRET, Instant.now().plusSeconds(600))),
                    new BadToken("an expired", () -> ForgedTokens.hs256(owner, TestCluster.SECRET, Instant.now().minus(Duration.ofHours(1)))),
                    new BadToken("an alg=none", () -> ForgedTokens.unsigned(owner)));
            return endpoints.stream().flatMap(e -> tokens.stream().map(t -> Arguments.of(e, t)));
        }

        @ParameterizedTest(name = "{0} with {1} token")
        @MethodSource("endpointsAndBadTokens")
        void aMissingOrBadTokenIsUnauthorizedAndActsForNobody(Endpoint endpoint, BadToken token) {
            assertRefusedWithoutWriting(bad(endpoint + " with " + token + " token", 401, "unauthorized",
                    () -> endpoint.call().apply(token.value().get())));
            assertThat(api.get("/api/users/me", owner.accessToken()).status()).as("the owner's real session").isEqualTo(200);
        }

        @Test
        void aTokenMintedTheSameWayWithTheRightSecretIsAccepted() {
            Response r = api.get("/api/users/me", ForgedTokens.hs256(owner, TestCluster.SECRET, Instant.now().plusSeconds(600)));

            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.text("id")).isEqualTo(owner.userId());
        }
    }

    /** Bodies over 64 KiB get 413, whether announced by Content-Length or streamed chunked without one. */
    @Nested
    class OversizedBodies {

        static Stream<Arguments> endpointsAndTransfers() {
            List<BodyEndpoint> endpoints = List.of(
                    new BodyEndpoint("/api/auth/register", () -> null, () -> newAccount()),
                    new BodyEndpoint("/api/auth/login", () -> null, () -> credentials(owner)),
                    new BodyEndpoint("/api/auth/refresh", () -> null, () -> JsonBody.of("refreshToken", owner.refreshToken())),
                    new BodyEndpoint("/api/groups", () -> owner.accessToken(), () -> JsonBody.of("name", "big")),
                    new BodyEndpoint("/api/groups/{id}/members", () -> owner.accessToken(),
                            () -> JsonBody.of("email", outsider.email())),
                    new BodyEndpoint("/api/messages", () -> owner.accessToken(), () -> message("big", group)));
            return endpoints.stream().flatMap(e -> Stream.of(
                    Arguments.of(e, "70 KiB with Content-Length", false, 70 * 1024),
                    Arguments.of(e, "1 MiB chunked without Content-Length", true, 1024 * 1024)));
        }

        /** A body that would be valid but for a padding field (unknown fields are ignored) that makes it too large. */
        @ParameterizedTest(name = "POST {0}: {1}")
        @MethodSource("endpointsAndTransfers")
        void aBodyOverTheLimitIsRefusedWith413(BodyEndpoint endpoint, String how, boolean chunked, int size) {
            byte[] body = endpoint.validBody().get().with("padding", "x".repeat(size)).json().getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = api.request(endpoint.pathWithIds(), endpoint.token().get())
                    .header("Content-Type", "application/json")
                    .POST(chunked
                            ? BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                            : BodyPublishers.ofByteArray(body));

            assertRefusedWithoutWriting(bad("POST " + endpoint + " " + how, 413, "payload_too_large", () -> sendAlone(request)));
        }
    }

    @Nested
    class HostileInput {

        @Test
        void deeplyNestedJsonIsMalformed() {
            assertRefusedWithoutWriting(malformed("60 000 nested arrays", () -> post(owner, "[".repeat(60_000))));
            assertRefusedWithoutWriting(malformed("5 000 nested objects in content",
                    () -> post(owner, message("x", group).json().replace("\"x\"", "{\"a\":".repeat(5_000) + "}".repeat(5_000)))));
        }

        @Test
        void bytesThatAreNotUtf8AreMalformed() {
            byte[] body = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            assertRefusedWithoutWriting(malformed("invalid UTF-8", () -> api.send(api.request("/api/groups", owner.accessToken())
                    .header("Content-Type", "application/json").POST(BodyPublishers.ofByteArray(body)))));
        }

        @Test
        void anUnsupportedMethodIsRefusedInTheErrorShape() {
            assertRefusedWithoutWriting(bad("PUT /api/messages", 405, "method_not_allowed",
                    () -> api.send(api.request("/api/messages", owner.accessToken()).header("Content-Type", "application/json")
                            .PUT(BodyPublishers.ofString(message("hi", group).json())))));
        }

        @Test
        void theCallersRequestIdIsEchoedInTheErrorAndAnInsaneOneIsReplaced() {
            Response sane = api.send(api.request("/api/messages", owner.accessToken()).header("X-Request-ID", "client-req-42")
                    .header("Content-Type", "application/json").POST(BodyPublishers.ofString("{")));
            assertError(sane, 400, MALFORMED_JSON);
            assertThat(sane.text("requestId")).isEqualTo("client-req-42");

            Response insane = api.send(api.request("/api/messages", owner.accessToken()).header("X-Request-ID", "x".repeat(300))
                    .header("Content-Type", "application/json").POST(BodyPublishers.ofString("{")));
            assertError(insane, 400, MALFORMED_JSON);
            assertThat(insane.text("requestId")).isNotEqualTo("x".repeat(300));
        }

        @Test
        void unicodeControlCharactersAndSqlInContentAreStoredVerbatim() {
            String content = "Grüße 👋🏽 中文 עברית \u202Eevil\u202C tab\tnew\nline bell\u0007 esc\u001B zw\u200B "
                    + "quote\" backslash\\ <script>alert(1)</script> '; DROP TABLE messages; -- " + SQL_ISH;

            Response r = post(owner, message(content, group));

            assertThat(r.status()).as("%s", r).isEqualTo(201);
            assertThat(r.json().path("messages").get(0).path("content").asString()).isEqualTo(content);
            assertThat(history(group).getLast().path("content").asString()).isEqualTo(content);
        }

        @Test
        void namesWithUnicodeAndSqlAreStoredVerbatim() {
            String name = "Équipe 🚀 \u05D0 '; DROP TABLE groups; --";
            String id = api.createGroup(owner.accessToken(), name);

            JsonNode created = api.get("/api/groups", owner.accessToken()).json().path("groups").valueStream()
                    .filter(g -> g.path("id").asString().equals(id)).findFirst().orElseThrow();
            assertThat(created.path("name").asString()).isEqualTo(name);
        }

        @Test
        void valuesAtTheDocumentedLimitsAreAccepted() {
            Response account = register(newAccount().with("password", "p".repeat(128)).with("displayName", "d".repeat(100)));
            assertThat(account.status()).as("%s", account).isEqualTo(201);
            assertThat(createGroup(JsonBody.of("name", "n".repeat(100))).status()).isEqualTo(201);
            Response longest = post(owner, message("c".repeat(4000), group).with("clientMessageId", "m".repeat(100)));
            assertThat(longest.status()).as("%s", longest).isEqualTo(201);
            assertThat(post(owner, message("1", group)).status()).isEqualTo(201);
            assertThat(history(owner, group, "?limit=200&afterSeq=0").status()).isEqualTo(200);
        }

        @Test
        void unknownFieldsInAMessageAreIgnoredAndCannotForgeItsSenderOrSeq() {
            JsonBody body = message("extra fields", group).with("seq", 999_999).with("senderId", member.userId())
                    .with("id", randomId()).with("unknown", Map.of("nested", List.of(1, 2)));

            Response r = post(owner, body);

            assertThat(r.status()).as("%s", r).isEqualTo(201);
            JsonNode stored = r.json().path("messages").get(0);
            assertThat(stored.path("senderId").asString()).isEqualTo(owner.userId());
            assertThat(stored.path("seq").asLong()).isLessThan(999_999);
            Response grouped = createGroup(JsonBody.of("name", "with extras").with("ownerId", member.userId()));
            assertThat(grouped.json().path("ownerId").asString()).isEqualTo(owner.userId());
        }

        @Test
        void numbersAndBooleansWhereStringsBelongAreMalformed() {
            assertAll(Stream.of(
                    malformed("content as a number", () -> post(owner, message("x", group).with("content", 42))),
                    malformed("content as a boolean", () -> post(owner, message("x", group).with("content", true))),
                    malformed("a target id as a number", () -> post(owner, message("x").with("targetIds", List.of(42)))),
                    malformed("a group name as a number", () -> createGroup(JsonBody.of("name", 42))),
                    malformed("a password as a number", () -> register(newAccount().with("password", 123456789))))
                    .map(bad -> () -> assertRefusedWithoutWriting(bad)));
        }

        @Test
        void aNulCharacterInAnyTextIsRefusedWithA4xx() {
            String nul = "a\u0000b";
            assertAll(Stream.of(
                    invalid("content", () -> post(owner, message(nul, group))),
                    invalid("clientMessageId", () -> post(owner, message("x", group).with("clientMessageId", nul))),
                    invalid("group name", () -> createGroup(JsonBody.of("name", nul))),
                    invalid("displayName", () -> register(newAccount().with("displayName", nul))),
                    bad("login e-mail", 401, "invalid_credentials",
                            () -> login(credentials(owner).with("email", nul + "@example.test"))),
                    notFound("member e-mail", () -> addMember(owner, group, JsonBody.of("email", nul + "@example.test"))))
                    .map(bad -> () -> assertRefusedWithAnyClientErrorWithoutWriting(bad)));
        }

        @Test
        void contentThatIsNotValidUnicodeIsRefused() {
            assertRefusedWithAnyClientErrorWithoutWriting(invalid("an unpaired surrogate",
                    () -> post(owner, message("x", group).json().replace("\"x\"", "\"a\\ud800b\""))));
        }

        @Test
        void requestsRefusedByTheContainerStillGetTheErrorShapeAndHeaders() {
            assertAll(Stream.of(
                    bad("a group id with an encoded slash", 400, "bad_request",
                            () -> sendAlone(api.request(historyOf("a%2Fb"), owner.accessToken()))),
                    bad("a user id with an encoded backslash", 400, "bad_request",
                            () -> sendAlone(api.request(membersOf(group) + "/..%5C..%5Cusers", owner.accessToken()).DELETE())),
                    bad("a 20 KB bearer token", 400, "bad_request",
                            () -> sendAlone(api.request("/api/users/me", "x".repeat(20_000)))))
                    .map(bad -> () -> assertRefusedWithAnyClientErrorWithoutWriting(bad)));
        }
    }

    // ---- assertions ----

    /** The documented status and error code, in the error shape, with nothing written. */
    static void assertRefusedWithoutWriting(Bad bad) {
        Rows before = Rows.now();
        Response r = bad.request().get();
        assertThat(r.status()).as("never a 5xx: %s -> %s", bad, r).isLessThan(500);
        assertError(r, bad.status(), bad.code());
        assertThat(Rows.now()).as("rows after %s", bad).isEqualTo(before);
    }

    /** For bugs whose fix may fairly pick any fitting 4xx: some 4xx, in the error shape, with nothing written. */
    static void assertRefusedWithAnyClientErrorWithoutWriting(Bad bad) {
        Rows before = Rows.now();
        Response r = bad.request().get();
        assertThat(r.status()).as("%s -> %s", bad, r).isBetween(400, 499);
        assertError(r, r.status(), r.text("error"));
        assertThat(r.text("error")).isNotBlank();
        assertThat(Rows.now()).as("rows after %s", bad).isEqualTo(before);
    }

    static void assertError(Response r, int status, String code) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.json().isObject()).as("JSON object body: %s", r).isTrue();
        assertThat(r.json().size()).as("only error, message, requestId: %s", r).isEqualTo(3);
        assertThat(r.text("error")).as("%s", r).isEqualTo(code);
        assertThat(r.text("message")).as("%s", r).isNotBlank();
        assertThat(r.text("requestId")).as("%s", r).isNotBlank().isEqualTo(r.header("X-Request-ID"));
        assertThat(r.header("X-Instance-ID")).as("%s", r).isEqualTo("chorus-1");
    }

    /** What a bad request could have written: row counts, and the seq counters a rolled-back post must give back. */
    record Rows(long users, long groups, long members, long messages, long seqsHandedOut) {
        static Rows now() {
            return new Rows(count("users"), count("groups"), count("group_members"), count("messages"),
                    cluster.queryLong("SELECT coalesce(sum(last_seq), 0) FROM groups"));
        }

        private static long count(String table) {
            return cluster.queryLong("SELECT count(*) FROM " + table);
        }
    }

    // ---- cases and requests ----

    /** A bad request and the answer it must get. */
    record Bad(String name, int status, String code, Supplier<Response> request) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Bad bad(String name, int status, String code, Supplier<Response> request) {
        return new Bad(name, status, code, request);
    }

    static Bad malformed(String name, Supplier<Response> request) {
        return bad(name, 400, MALFORMED_JSON, request);
    }

    static Bad invalid(String name, Supplier<Response> request) {
        return bad(name, 400, VALIDATION_FAILED, request);
    }

    static Bad notFound(String name, Supplier<Response> request) {
        return bad(name, 404, "not_found", request);
    }

    static Bad forbidden(String name, Supplier<Response> request) {
        return bad(name, 403, "forbidden", request);
    }

    record Endpoint(String name, Function<String, Response> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    record BadToken(String name, Supplier<String> value) {
        @Override
        public String toString() {
            return name;
        }
    }

    record BodyEndpoint(String path, Supplier<String> token, Supplier<JsonBody> validBody) {
        String pathWithIds() {
            return path.replace("{id}", group);
        }

        @Override
        public String toString() {
            return path;
        }
    }

    static JsonBody newAccount() {
        return JsonBody.of("email", "new-" + UUID.randomUUID() + "@example.test").with("password", "correct horse battery")
                .with("displayName", "New");
    }

    static JsonBody credentials(Session session) {
        return JsonBody.of("email", session.email()).with("password", "correct horse battery");
    }

    static JsonBody message(String content, String... targetIds) {
        return JsonBody.of("content", content).with("targetType", "group").with("targetIds", Arrays.asList(targetIds));
    }

    static Response register(Object body) {
        return api.post("/api/auth/register", null, json(body));
    }

    static Response login(Object body) {
        return api.post("/api/auth/login", null, json(body));
    }

    static Response refresh(Object body) {
        return api.post("/api/auth/refresh", null, json(body));
    }

    static Response createGroup(Object body) {
        return api.post("/api/groups", owner.accessToken(), json(body));
    }

    static Response addMember(Session caller, String groupId, Object body) {
        return api.post(membersOf(groupId), caller.accessToken(), json(body));
    }

    static Response removeMember(Session caller, String groupId, String userId) {
        return api.delete(membersOf(groupId) + "/" + userId, caller.accessToken());
    }

    static Response post(Session caller, Object body) {
        return api.post("/api/messages", caller.accessToken(), json(body));
    }

    static Response history(Session caller, String groupId, String query) {
        return api.get(historyOf(groupId) + query, caller.accessToken());
    }

    /** The group's newest messages as the owner sees them. */
    static List<JsonNode> history(String groupId) {
        Response r = history(owner, groupId, "?limit=200");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        List<JsonNode> messages = new ArrayList<>();
        r.json().path("messages").forEach(messages::add);
        return messages;
    }

    static String randomId() {
        return UUID.randomUUID().toString();
    }

    static String membersOf(String groupId) {
        return "/api/groups/" + groupId + "/members";
    }

    static String historyOf(String groupId) {
        return "/api/groups/" + groupId + "/messages";
    }

    /** Raw JSON strings go out as they are, so that malformed ones stay malformed. */
    private static String json(Object body) {
        return body instanceof JsonBody b ? b.json() : (String) body;
    }

    static String encoded(String raw) {
        return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Sends on a client of its own. The server may close the connection after refusing a large body it will not
     * read; a shared pool could then hand that dead connection to the next test.
     */
    static Response sendAlone(HttpRequest.Builder request) {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response, parsed(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parsed(String body) {
        try {
            return body.isEmpty() ? Api.JSON.missingNode() : Api.JSON.readTree(body);
        } catch (RuntimeException notJson) {
            return Api.JSON.missingNode();
        }
    }
}
