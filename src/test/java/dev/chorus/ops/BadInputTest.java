package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.JsonBody;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SPEC §3, the other side of {@link dev.chorus.hostile.HostileInputSuiteTest} (which refuses every malformed,
 * oversized, unauthorised and hostile request, straight and through nginx): input that looks hostile but is valid is
 * accepted and stored verbatim, unknown fields cannot forge what the server decides, values at the documented limits
 * pass, and refusals that need some history first (a retried clientMessageId, a multi-target post) write nothing.
 * "Nothing" is checked on the rows of users, groups, group_members and messages and on the groups' seq counters.
 */
class BadInputTest {

    static final String SQL_ISH = "' OR 1=1 --";
    static final String MALFORMED_JSON = "malformed_json";

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

    @Test
    void unknownFieldsAreIgnoredAndCannotGrantARole() {
        Response r = register(newAccount().with("roles", List.of("ADMIN")).with("id", randomId()));

        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.json().path("user").path("roles").toString()).isEqualTo("[\"USER\"]");
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

    @Test
    void aTokenMintedTheSameWayWithTheRightSecretIsAccepted() {
        Response r = api.get("/api/users/me", ForgedTokens.hs256(owner, TestCluster.SECRET, Instant.now().plusSeconds(600)));

        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.text("id")).isEqualTo(owner.userId());
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

    // ---- assertions ----

    /** The documented status and error code, in the error shape, with nothing written. */
    static void assertRefusedWithoutWriting(Bad bad) {
        Rows before = Rows.now();
        Response r = bad.request().get();
        assertThat(r.status()).as("never a 5xx: %s -> %s", bad, r).isLessThan(500);
        assertError(r, bad.status(), bad.code());
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

    static Bad notFound(String name, Supplier<Response> request) {
        return bad(name, 404, "not_found", request);
    }

    static Bad forbidden(String name, Supplier<Response> request) {
        return bad(name, 403, "forbidden", request);
    }

    static JsonBody newAccount() {
        return JsonBody.of("email", "new-" + UUID.randomUUID() + "@example.test").with("password", "correct horse battery")
                .with("displayName", "New");
    }

    static JsonBody message(String content, String... targetIds) {
        return JsonBody.of("content", content).with("targetType", "group").with("targetIds", Arrays.asList(targetIds));
    }

    static Response register(Object body) {
        return api.post("/api/auth/register", null, json(body));
    }

    static Response createGroup(Object body) {
        return api.post("/api/groups", owner.accessToken(), json(body));
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

}
