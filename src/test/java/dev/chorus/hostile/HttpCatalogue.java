package dev.chorus.hostile;

import dev.chorus.support.Api.Session;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.JsonBody;
import dev.chorus.support.RawHttp.Answer;
import dev.chorus.support.TestCluster;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The hostile HTTP requests, endpoint by endpoint of SPEC §3, each with the answer an instance must give. Bodies are
 * valid but for the one thing each case makes wrong, so that a refusal can only come from that thing; requests with
 * a bad token carry a valid body, so that a token accepted by mistake would write and be caught.
 */
final class HttpCatalogue {

    static final String REGISTER = "POST /api/auth/register";
    static final String LOGIN = "POST /api/auth/login";
    static final String REFRESH = "POST /api/auth/refresh";
    static final String LOGOUT = "POST /api/auth/logout";
    static final String ME = "GET /api/users/me";
    static final String CREATE_GROUP = "POST /api/groups";
    static final String LIST_GROUPS = "GET /api/groups";
    static final String ADD_MEMBER = "POST /api/groups/{id}/members";
    static final String REMOVE_MEMBER = "DELETE /api/groups/{id}/members/{userId}";
    static final String POST_MESSAGE = "POST /api/messages";
    static final String HISTORY = "GET /api/groups/{id}/messages";
    static final String PRESENCE = "GET /api/groups/{id}/presence";
    static final String CREATE_SCHEDULE = "POST /api/scheduled-messages";
    static final String LIST_SCHEDULES = "GET /api/scheduled-messages";
    static final String DELETE_SCHEDULE = "DELETE /api/scheduled-messages/{id}";
    static final String HEALTH = "GET /health, /health/*";
    static final String METRICS = "GET /metrics";
    static final String ADMIN_LOCKS = "GET /admin/locks";
    static final String ADMIN_CLUSTER = "GET /admin/cluster";
    static final String ROUTING = "any path (routing, methods, raw HTTP)";
    static final String UPGRADE = "GET /ws (the upgrade itself)";

    static final String SQL = "' OR 1=1; DROP TABLE users; --";
    static final String OTHER_SECRET = "another-secret-of-at-least-32-bytes-for-hmac";
    static final String MALFORMED = "malformed_json";
    static final String INVALID = "validation_failed";
    static final String NOT_FOUND = "not_found";
    static final String FORBIDDEN = "forbidden";
    static final String UNAUTHORIZED = "unauthorized";
    static final String TOO_LARGE = "payload_too_large";
    static final String MEDIA = "unsupported_media_type";
    static final String NOT_ALLOWED = "method_not_allowed";
    static final String BAD_REQUEST = "bad_request";
    /** Characters that look harmless and are not: right-to-left override, zero-width space and joiner, BOM. */
    static final String INVISIBLE = "\u202E\u200B\u200D\uFEFF";

    private final Fixture f;
    private final List<HttpCase> cases = new ArrayList<>();

    private HttpCatalogue(Fixture f) {
        this.f = f;
    }

    static List<HttpCase> all(Fixture f) {
        HttpCatalogue c = new HttpCatalogue(f);
        c.register();
        c.login();
        c.refresh();
        c.logoutAndMe();
        c.createGroup();
        c.listGroups();
        c.addMember();
        c.removeMember();
        c.postMessage();
        c.history();
        c.presence();
        c.createSchedule();
        c.listAndDeleteSchedules();
        c.operations();
        c.admin();
        c.routing();
        c.upgrades();
        c.badTokens();
        return List.copyOf(c.cases);
    }

    // ---- auth ----

    private void register() {
        String e = REGISTER;
        String path = "/api/auth/register";
        jsonBodyCases(e, path, null, this::account);
        malformed(e, "email as an object", post(path, null, () -> account().with("email", Map.of()).json()));
        malformed(e, "displayName as an array", post(path, null, () -> account().with("displayName", List.of("x")).json()));
        malformed(e, "password as a number", post(path, null, () -> account().with("password", 123456789).json()));
        malformed(e, "email as a boolean", post(path, null, () -> account().with("email", true).json()));
        invalid(e, "no email", post(path, null, () -> account().without("email").json()));
        invalid(e, "no password", post(path, null, () -> account().without("password").json()));
        invalid(e, "no displayName", post(path, null, () -> account().without("displayName").json()));
        invalid(e, "a null email", post(path, null, () -> account().with("email", null).json()));
        invalid(e, "a blank displayName", post(path, null, () -> account().with("displayName", "  \t ").json()));
        invalid(e, "an email that is not an address", post(path, null, () -> account().with("email", "not-an-email").json()));
        invalid(e, "an SQL-ish email", post(path, null, () -> account().with("email", SQL).json()));
        invalid(e, "an email with CR LF and a header", post(path, null,
                () -> account().with("email", "a\r\nX-Injected: 1@example.test").json()));
        invalid(e, "an email over 254 characters", post(path, null,
                () -> account().with("email", "a".repeat(64) + "@" + "b".repeat(186) + ".test").json()));
        invalid(e, "a password of 7 characters", post(path, null, () -> account().with("password", "1234567").json()));
        invalid(e, "a password of 129 characters", post(path, null, () -> account().with("password", "p".repeat(129)).json()));
        invalid(e, "a password of 100 000 characters", post(path, null, () -> account().with("password", "p".repeat(60_000)).json()));
        invalid(e, "a displayName of 101 characters", post(path, null, () -> account().with("displayName", "d".repeat(101)).json()));
        invalid(e, "a displayName of control characters", post(path, null, () -> account().with("displayName", "\u0001\u0007").json()));
        invalid(e, "a displayName with NUL", post(path, null, () -> account().with("displayName", "a\u0000b").json()));
        invalid(e, "a displayName with an unpaired surrogate", post(path, null,
                () -> account().with("displayName", "PLACEHOLDER").json().replace("\"PLACEHOLDER\"", "\"a\\ud800b\"")));
        add(e, "an e-mail that is already registered", 409, "email_taken",
                post(path, null, () -> account().with("email", f.member().email()).json()));
        add(e, "an already registered e-mail in upper case", 409, "email_taken",
                post(path, null, () -> account().with("email", f.member().email().toUpperCase()).json()));
    }

    private void login() {
        String e = LOGIN;
        String path = "/api/auth/login";
        String refused = "invalid_credentials";
        jsonBodyCases(e, path, null, () -> credentials(f.owner()));
        malformed(e, "email as an array", post(path, null, credentials(f.owner()).with("email", List.of(f.owner().email())).json()));
        malformed(e, "password as an object", post(path, null, credentials(f.owner()).with("password", Map.of("$ne", "")).json()));
        invalid(e, "no email", post(path, null, credentials(f.owner()).without("email").json()));
        invalid(e, "no password", post(path, null, credentials(f.owner()).without("password").json()));
        invalid(e, "a blank email", post(path, null, credentials(f.owner()).with("email", " ").json()));
        invalid(e, "a password of 129 characters", post(path, null, credentials(f.owner()).with("password", "p".repeat(129)).json()));
        add(e, "a wrong password", 401, refused, post(path, null, credentials(f.owner()).with("password", "wrong password").json()));
        add(e, "an unknown e-mail", 401, refused, post(path, null, credentials(f.owner()).with("email", "nobody@example.test").json()));
        add(e, "an SQL-ish e-mail", 401, refused, post(path, null, credentials(f.owner()).with("email", SQL).json()));
        add(e, "an SQL-ish password", 401, refused, post(path, null, credentials(f.owner()).with("password", SQL).json()));
        invalid(e, "an e-mail with NUL", post(path, null, credentials(f.owner()).with("email", "a\u0000" + f.owner().email()).json()));
        add(e, "the e-mail behind invisible characters", 401, refused, post(path, null,
                credentials(f.owner()).with("email", INVISIBLE + f.owner().email()).json()));
        invalid(e, "a password with an unpaired surrogate", post(path, null,
                credentials(f.owner()).with("password", "PLACEHOLDER").json().replace("\"PLACEHOLDER\"", "\"correct\\udc00horse\"")));
    }

    private void refresh() {
        String e = REFRESH;
        String path = "/api/auth/refresh";
        String invalidToken = "invalid_refresh_token";
        jsonBodyCases(e, path, null, () -> JsonBody.of("refreshToken", "x".repeat(40)));
        malformed(e, "refreshToken as an object", post(path, null, JsonBody.of("refreshToken", Map.of("a", 1)).json()));
        malformed(e, "refreshToken as a number", post(path, null, JsonBody.of("refreshToken", 42).json()));
        invalid(e, "a refreshToken of 201 characters", post(path, null, JsonBody.of("refreshToken", "t".repeat(201)).json()));
        add(e, "an empty JSON object", 401, invalidToken, post(path, null, "{}"));
        add(e, "no body and no cookie", 401, invalidToken,
                r -> r.send(r.api().request(path, null).POST(BodyPublishers.noBody())));
        add(e, "a garbage token", 401, invalidToken, post(path, null, JsonBody.of("refreshToken", "garbage").json()));
        add(e, "an SQL-ish token", 401, invalidToken, post(path, null, JsonBody.of("refreshToken", SQL).json()));
        add(e, "a well-formed token of an unknown session", 401, invalidToken,
                post(path, null, JsonBody.of("refreshToken", UUID.randomUUID() + ".c2VjcmV0").json()));
        add(e, "a logged-out session's token", 401, invalidToken,
                post(path, null, JsonBody.of("refreshToken", f.loggedOut().refreshToken()).json()));
        add(e, "a token with NUL", 401, invalidToken, post(path, null, JsonBody.of("refreshToken", "a\u0000b").json()));
        add(e, "a garbage cookie", 401, invalidToken,
                r -> r.send(r.api().request(path, null).header("Cookie", "refreshToken=garbage").POST(BodyPublishers.noBody())));
        add(e, "an SQL-ish cookie", 401, invalidToken, r -> r.raw("POST", path, "Cookie: refreshToken=" + SQL + "\r\n", new byte[0]));
        add(e, "a cookie carrying a header after CR LF", 401, invalidToken, noInjectedHeader(
                r -> r.raw("POST", path, "Cookie: refreshToken=abc%0d%0aX-Injected:%201\r\n", new byte[0])));
    }

    private void logoutAndMe() {
        add(LOGOUT, "GET instead of POST", 405, NOT_ALLOWED, get("/api/auth/logout", f.member().accessToken()));
        add(ME, "a junk query string (ignored)", 200, null, get("/api/users/me?id=" + f.owner().userId() + "&x=%00%ff&&=&"
                + encoded(SQL), f.member().accessToken()));
        add(ME, "POST instead of GET", 405, NOT_ALLOWED, post("/api/users/me", f.member().accessToken(), "{}"));
        add(ME, "DELETE instead of GET", 405, NOT_ALLOWED, delete("/api/users/me", f.member().accessToken()));
    }

    // ---- groups ----

    private void createGroup() {
        String e = CREATE_GROUP;
        String path = "/api/groups";
        String token = f.owner().accessToken();
        jsonBodyCases(e, path, token, () -> JsonBody.of("name", "hostile"));
        malformed(e, "name as an array", post(path, token, JsonBody.of("name", List.of("x")).json()));
        malformed(e, "name as an object", post(path, token, JsonBody.of("name", Map.of("x", 1)).json()));
        malformed(e, "name as a number", post(path, token, JsonBody.of("name", 42).json()));
        invalid(e, "no name", post(path, token, "{}"));
        invalid(e, "a null name", post(path, token, "{\"name\":null}"));
        invalid(e, "a blank name", post(path, token, JsonBody.of("name", " \t ").json()));
        invalid(e, "a name of 101 characters", post(path, token, JsonBody.of("name", "n".repeat(101)).json()));
        invalid(e, "a name of 1 MB in 60 KB", post(path, token, JsonBody.of("name", "é".repeat(30_000)).json()));
        invalid(e, "a name of control characters", post(path, token, JsonBody.of("name", "\u0001\u0007").json()));
        invalid(e, "a name with NUL", post(path, token, JsonBody.of("name", "a\u0000b").json()));
        invalid(e, "a name with CR LF", post(path, token, JsonBody.of("name", "a\r\nX-Injected: 1").json()));
        invalid(e, "a name with an unpaired high surrogate", post(path, token, "{\"name\":\"a\\ud800\"}"));
        invalid(e, "a name with an unpaired low surrogate", post(path, token, "{\"name\":\"\\udc00a\"}"));
    }

    private void listGroups() {
        add(LIST_GROUPS, "a junk query string (ignored)", 200, null,
                get("/api/groups?ownerId=" + f.outsider().userId() + "&limit=-1&" + encoded(SQL) + "=1", f.member().accessToken()));
        add(LIST_GROUPS, "DELETE on the collection", 405, NOT_ALLOWED, delete("/api/groups", f.owner().accessToken()));
        add(LIST_GROUPS, "Accept: text/html only (the error is JSON all the same)", 406, "not_acceptable", r -> r.send(requestOf(r, "/api/groups", f.member().accessToken())
                .header("Accept", "text/html").GET()));
        add(LIST_GROUPS, "PUT on the collection", 405, NOT_ALLOWED,
                send("PUT", "/api/groups", f.owner().accessToken(), "application/json", "{\"name\":\"x\"}"));
        add(LIST_GROUPS, "PATCH on the collection", 405, NOT_ALLOWED,
                send("PATCH", "/api/groups", f.owner().accessToken(), "application/json", "{\"name\":\"x\"}"));
    }

    private void addMember() {
        String e = ADD_MEMBER;
        String token = f.owner().accessToken();
        String path = membersOf(f.group());
        JsonBody outsider = JsonBody.of("email", f.outsider().email());
        jsonBodyCases(e, path, token, () -> outsider);
        malformed(e, "email as an array", post(path, token, JsonBody.of("email", List.of(f.outsider().email())).json()));
        malformed(e, "email as a number", post(path, token, JsonBody.of("email", 7).json()));
        invalid(e, "no email", post(path, token, "{}"));
        invalid(e, "a blank email", post(path, token, JsonBody.of("email", "").json()));
        invalid(e, "an email of 255 characters", post(path, token, JsonBody.of("email", "e".repeat(255)).json()));
        notFound(e, "an unknown group", post(membersOf(randomId()), token, outsider.json()));
        notFound(e, "the nil UUID as group", post(membersOf("00000000-0000-0000-0000-000000000000"), token, outsider.json()));
        notFound(e, "a malformed group id", post(membersOf("not-a-uuid"), token, outsider.json()));
        notFound(e, "a group id without dashes", post(membersOf(f.group().replace("-", "")), token, outsider.json()));
        notFound(e, "a group id in braces", post(membersOf(encoded("{" + f.group() + "}")), token, outsider.json()));
        rejectedPath(e, "an SQL-ish group id (an encoded ';' in the path)", post(membersOf(encoded(SQL)), token, outsider.json()));
        notFound(e, "a group id behind invisible characters", post(membersOf(encoded(INVISIBLE) + f.group()), token, outsider.json()));
        forbidden(e, "a member who is not the owner", post(path, f.member().accessToken(), outsider.json()));
        forbidden(e, "a non-member adding themself", post(path, f.outsider().accessToken(), outsider.json()));
        notFound(e, "an unknown user", post(path, token, JsonBody.of("email", "nobody@example.test").json()));
        notFound(e, "an SQL-ish e-mail", post(path, token, JsonBody.of("email", SQL).json()));
        invalid(e, "an e-mail with NUL", post(path, token, JsonBody.of("email", "a\u0000" + f.outsider().email()).json()));
        notFound(e, "an e-mail behind invisible characters", post(path, token, JsonBody.of("email", INVISIBLE + f.outsider().email()).json()));
        add(e, "someone already a member", 409, "already_member", post(path, token, JsonBody.of("email", f.member().email()).json()));
        add(e, "the owner themself", 409, "already_member", post(path, token, JsonBody.of("email", f.owner().email()).json()));
    }

    private void removeMember() {
        String e = REMOVE_MEMBER;
        String owner = f.owner().accessToken();
        notFound(e, "an unknown group", delete(membersOf(randomId()) + "/" + f.member().userId(), owner));
        notFound(e, "a malformed group id", delete(membersOf("not-a-uuid") + "/" + f.member().userId(), owner));
        rejectedPath(e, "an SQL-ish group id (an encoded ';' in the path)", delete(membersOf(encoded(SQL)) + "/" + f.member().userId(), owner));
        notFound(e, "a malformed user id", delete(membersOf(f.group()) + "/12345", owner));
        rejectedPath(e, "an SQL-ish user id (an encoded ';' in the path)", delete(membersOf(f.group()) + "/" + encoded(SQL), owner));
        notFound(e, "a user id of SQL without ';'", delete(membersOf(f.group()) + "/" + encoded("' OR 1=1 --"), owner));
        notFound(e, "a user id with a trailing space", delete(membersOf(f.group()) + "/" + f.member().userId() + "%20", owner));
        rejectedPath(e, "a user id with an encoded NUL", delete(membersOf(f.group()) + "/" + f.member().userId() + "%00", owner));
        notFound(e, "a user who is not a member", delete(membersOf(f.group()) + "/" + f.outsider().userId(), owner));
        notFound(e, "an unknown user", delete(membersOf(f.group()) + "/" + randomId(), owner));
        forbidden(e, "a member removing the owner", delete(membersOf(f.group()) + "/" + f.owner().userId(), f.member().accessToken()));
        forbidden(e, "a non-member removing a member", delete(membersOf(f.group()) + "/" + f.member().userId(), f.outsider().accessToken()));
        notFound(e, "a non-member leaving", delete(membersOf(f.group()) + "/" + f.outsider().userId(), f.outsider().accessToken()));
        add(e, "the owner leaving", 409, "owner_cannot_leave", delete(membersOf(f.group()) + "/" + f.owner().userId(), owner));
        add(e, "a user id with an encoded slash", 400, BAD_REQUEST, delete(membersOf(f.group()) + "/a%2Fb", owner));
        add(e, "a user id with an encoded backslash climbing out", 400, BAD_REQUEST,
                delete(membersOf(f.group()) + "/..%5C..%5Cusers", owner));
        add(e, "POST on a member", 405, NOT_ALLOWED, post(membersOf(f.group()) + "/" + f.member().userId(), owner, "{}"));
    }

    private void postMessage() {
        String e = POST_MESSAGE;
        String path = "/api/messages";
        String owner = f.owner().accessToken();
        List<String> fiftyOne = IntStream.range(0, 51).mapToObj(i -> randomId()).toList();
        jsonBodyCases(e, path, owner, () -> message("hi", f.group()));
        malformed(e, "targetIds as a string", post(path, owner, message("hi", f.group()).with("targetIds", f.group()).json()));
        malformed(e, "targetIds as an object", post(path, owner, message("hi").with("targetIds", Map.of("id", f.group())).json()));
        malformed(e, "a target id as an object", post(path, owner, message("hi").with("targetIds", List.of(Map.of())).json()));
        malformed(e, "a target id as a number", post(path, owner, message("hi").with("targetIds", List.of(42)).json()));
        malformed(e, "content as an object", post(path, owner, message("hi", f.group()).with("content", Map.of("a", 1)).json()));
        malformed(e, "content as an array", post(path, owner, message("hi", f.group()).with("content", List.of("hi")).json()));
        malformed(e, "content as a number", post(path, owner, message("hi", f.group()).with("content", 42).json()));
        malformed(e, "content as a boolean", post(path, owner, message("hi", f.group()).with("content", true).json()));
        malformed(e, "clientMessageId as a number", post(path, owner, message("hi", f.group()).with("clientMessageId", 1).json()));
        malformed(e, "5 000 nested objects in content", post(path, owner,
                message("x", f.group()).json().replace("\"x\"", "{\"a\":".repeat(5_000) + "}".repeat(5_000))));
        invalid(e, "no content", post(path, owner, message("hi", f.group()).without("content").json()));
        invalid(e, "no targetType", post(path, owner, message("hi", f.group()).without("targetType").json()));
        invalid(e, "no targetIds", post(path, owner, message("hi", f.group()).without("targetIds").json()));
        invalid(e, "empty content", post(path, owner, message("", f.group()).json()));
        invalid(e, "content of 4001 characters", post(path, owner, message("c".repeat(4001), f.group()).json()));
        invalid(e, "content with NUL", post(path, owner, message("a\u0000b", f.group()).json()));
        invalid(e, "content with an unpaired high surrogate", post(path, owner,
                message("x", f.group()).json().replace("\"x\"", "\"a\\ud800b\"")));
        invalid(e, "content with a reversed surrogate pair", post(path, owner,
                message("x", f.group()).json().replace("\"x\"", "\"\\udc00\\ud800\"")));
        invalid(e, "targetType user", post(path, owner, message("hi", f.group()).with("targetType", "user").json()));
        invalid(e, "targetType GROUP", post(path, owner, message("hi", f.group()).with("targetType", "GROUP").json()));
        invalid(e, "targetType with a NUL", post(path, owner, message("hi", f.group()).with("targetType", "group\u0000").json()));
        invalid(e, "no target", post(path, owner, message("hi").json()));
        invalid(e, "51 targets", post(path, owner, message("hi").with("targetIds", fiftyOne).json()));
        invalid(e, "a null target", post(path, owner, message("hi").with("targetIds", Collections.singletonList(null)).json()));
        invalid(e, "a target id of 65 characters", post(path, owner, message("hi", "g".repeat(65)).json()));
        invalid(e, "an empty clientMessageId", post(path, owner, message("hi", f.group()).with("clientMessageId", "").json()));
        invalid(e, "a clientMessageId of 101 characters", post(path, owner,
                message("hi", f.group()).with("clientMessageId", "m".repeat(101)).json()));
        invalid(e, "a clientMessageId with NUL", post(path, owner, message("hi", f.group()).with("clientMessageId", "m\u0000").json()));
        notFound(e, "an unknown group", post(path, owner, message("hi", randomId()).json()));
        notFound(e, "a malformed group id", post(path, owner, message("hi", "not-a-uuid").json()));
        notFound(e, "an SQL-ish group id", post(path, owner, message("hi", SQL).json()));
        notFound(e, "a group id with a path climbing out", post(path, owner, message("hi", "../../admin/locks").json()));
        notFound(e, "a group id behind invisible characters", post(path, owner, message("hi", INVISIBLE + f.group()).json()));
        notFound(e, "a known group and an unknown one", post(path, owner, message("hi", f.group(), randomId()).json()));
        forbidden(e, "a non-member", post(path, f.outsider().accessToken(), message("hi", f.group()).json()));
        forbidden(e, "a member of only one of two targets", post(path, owner, message("hi", f.group(), f.othersGroup()).json()));
        forbidden(e, "a forged senderId does not make a non-member one", post(path, f.outsider().accessToken(),
                message("hi", f.group()).with("senderId", f.owner().userId()).json()));
        add(e, "PUT instead of POST", 405, NOT_ALLOWED, send("PUT", path, owner, "application/json", message("hi", f.group()).json()));
        add(e, "GET on the collection", 405, NOT_ALLOWED, get(path, owner));
    }

    private void history() {
        String e = HISTORY;
        String owner = f.owner().accessToken();
        Function<String, Function<Route, Answer>> query = q -> get(historyOf(f.group()) + q, owner);
        for (String q : List.of("?limit=0", "?limit=201", "?limit=-1", "?limit=abc", "?limit=1.5", "?limit=2147483648",
                "?limit=%00", "?limit=1e2", "?afterSeq=-1", "?beforeSeq=-1", "?afterSeq=abc", "?afterSeq=1.5",
                "?afterSeq=99999999999999999999", "?afterSeq=-9223372036854775809", "?afterSeq=" + encoded("' OR 1=1 --"),
                "?afterSeq=" + encoded(INVISIBLE + "1"))) {
            invalid(e, q, query.apply(q));
        }
        notFound(e, "an unknown group", get(historyOf(randomId()), owner));
        notFound(e, "a malformed group id", get(historyOf("not-a-uuid"), owner));
        rejectedPath(e, "an SQL-ish group id (an encoded ';' in the path)", get(historyOf(encoded(SQL)), owner));
        notFound(e, "a group id of SQL without ';'", get(historyOf(encoded("' OR 1=1 --")), owner));
        forbidden(e, "a non-member", get(historyOf(f.group()), f.outsider().accessToken()));
        forbidden(e, "a non-member with a query", get(historyOf(f.group()) + "?afterSeq=0&limit=200", f.outsider().accessToken()));
        notFound(e, "a non-member asking for an unknown group", get(historyOf(randomId()), f.outsider().accessToken()));
        add(e, "a group id with an encoded slash", 400, BAD_REQUEST, get(historyOf("a%2Fb"), owner));
        add(e, "DELETE on history", 405, NOT_ALLOWED, delete(historyOf(f.group()), owner));
        for (String q : List.of("?afterSeq=9223372036854775807", "?beforeSeq=9223372036854775807", "?beforeSeq=0",
                "?afterSeq=10&beforeSeq=5", "?afterSeq=9223372036854775807&limit=200", "?beforeSeq=1&limit=200",
                "?afterSeq=0&afterSeq=1")) {
            add(e, q + " (valid edge values: an empty or short page)", 200, null, query.apply(q));
        }
    }

    private void presence() {
        String e = PRESENCE;
        String owner = f.owner().accessToken();
        notFound(e, "an unknown group", get(presenceOf(randomId()), owner));
        notFound(e, "a malformed group id", get(presenceOf("not-a-uuid"), owner));
        rejectedPath(e, "an SQL-ish group id (an encoded ';' in the path)", get(presenceOf(encoded(SQL)), owner));
        notFound(e, "a group id of SQL without ';'", get(presenceOf(encoded("' OR 1=1 --")), owner));
        notFound(e, "a group id behind invisible characters", get(presenceOf(encoded(INVISIBLE) + f.group()), owner));
        forbidden(e, "a non-member", get(presenceOf(f.group()), f.outsider().accessToken()));
        forbidden(e, "a member of another group", get(presenceOf(f.othersGroup()), f.member().accessToken()));
        add(e, "POST on presence", 405, NOT_ALLOWED, post(presenceOf(f.group()), owner, "{\"status\":\"online\"}"));
    }

    // ---- scheduled messages ----

    private void createSchedule() {
        String e = CREATE_SCHEDULE;
        String path = "/api/scheduled-messages";
        String owner = f.owner().accessToken();
        Supplier<JsonBody> oneOff = () -> JsonBody.of("groupId", f.group()).with("content", "later")
                .with("sendAt", Instant.now().plus(Duration.ofDays(1)).toString());
        Function<JsonBody, Function<Route, Answer>> create = b -> post(path, owner, b.json());
        jsonBodyCases(e, path, owner, oneOff);
        malformed(e, "groupId as a number", create.apply(oneOff.get().with("groupId", 42)));
        malformed(e, "content as an array", create.apply(oneOff.get().with("content", List.of("x"))));
        malformed(e, "sendAt as a number", create.apply(oneOff.get().with("sendAt", 1_900_000_000)));
        malformed(e, "cron as an object", create.apply(oneOff.get().without("sendAt").with("cron", Map.of("m", "*"))));
        invalid(e, "no groupId", create.apply(oneOff.get().without("groupId")));
        invalid(e, "no content", create.apply(oneOff.get().without("content")));
        invalid(e, "empty content", create.apply(oneOff.get().with("content", "")));
        invalid(e, "content of 4001 characters", create.apply(oneOff.get().with("content", "c".repeat(4001))));
        invalid(e, "content with NUL", create.apply(oneOff.get().with("content", "a\u0000b")));
        invalid(e, "a groupId of 65 characters", create.apply(oneOff.get().with("groupId", "g".repeat(65))));
        invalid(e, "neither sendAt nor cron", create.apply(oneOff.get().without("sendAt")));
        invalid(e, "both sendAt and cron", create.apply(oneOff.get().with("cron", "0 9 * * *")));
        invalid(e, "a sendAt that is not a date", create.apply(oneOff.get().with("sendAt", "tomorrow")));
        invalid(e, "a sendAt without offset", create.apply(oneOff.get().with("sendAt", "2030-01-01T10:00:00")));
        invalid(e, "a sendAt of 30 February", create.apply(oneOff.get().with("sendAt", "2030-02-30T10:00:00Z")));
        invalid(e, "a sendAt with offset +25:00", create.apply(oneOff.get().with("sendAt", "2030-01-01T10:00:00+25:00")));
        add(e, "a sendAt in the past", 422, "send_at_in_past", create.apply(oneOff.get().with("sendAt", "2001-01-01T00:00:00Z")));
        invalid(e, "a sendAt in 1999", create.apply(oneOff.get().with("sendAt", "1999-12-31T23:59:59Z")));
        invalid(e, "a sendAt in 10000", create.apply(oneOff.get().with("sendAt", "+10000-01-01T00:00:00Z")));
        invalid(e, "a sendAt of 65 characters", create.apply(oneOff.get().with("sendAt", "2".repeat(65))));
        invalid(e, "an SQL-ish sendAt", create.apply(oneOff.get().with("sendAt", SQL)));
        invalid(e, "a cron every second", create.apply(oneOff.get().without("sendAt").with("cron", "* * * * * *")));
        add(e, "a garbage cron", 422, "invalid_cron", create.apply(oneOff.get().without("sendAt").with("cron", "every day at nine")));
        invalid(e, "a blank cron", create.apply(oneOff.get().without("sendAt").with("cron", "   ")));
        for (String cron : List.of("*/0 * * * *", "0 9 31 2 *", "60 * * * *", "0 24 * * *", "0 9 * * 8", "0 9 0 * *",
                "0 9 * 13 *", "-1 * * * *", "5-1 * * * *", "0 9 * * MON-", "*/99999999999 * * * *", "0,,1 * * * *")) {
            add(e, "the cron \"" + cron + "\"", 422, "invalid_cron", create.apply(oneOff.get().without("sendAt").with("cron", cron)));
        }
        for (String zone : List.of("GMT+99", "UTC+25:00", "Europe/", "+99:99", "Etc/GMT+99")) {
            add(e, "the timezone \"" + zone + "\"", 422, "invalid_timezone", create.apply(oneOff.get().without("sendAt")
                    .with("cron", "0 9 * * *").with("timezone", zone)));
        }
        invalid(e, "a cron with NUL", create.apply(oneOff.get().without("sendAt").with("cron", "0 9 * * *\u0000")));
        invalid(e, "a cron of 201 characters", create.apply(oneOff.get().without("sendAt").with("cron", "0 ".repeat(100) + "9")));
        add(e, "an unknown timezone", 422, "invalid_timezone", create.apply(oneOff.get().without("sendAt").with("cron", "0 9 * * *")
                .with("timezone", "Mars/Olympus_Mons")));
        add(e, "a timezone climbing a path", 422, "invalid_timezone", create.apply(oneOff.get().without("sendAt").with("cron", "0 9 * * *")
                .with("timezone", "../../../../etc/passwd")));
        invalid(e, "a timezone with CR LF", create.apply(oneOff.get().without("sendAt").with("cron", "0 9 * * *")
                .with("timezone", "UTC\r\nX-Injected: 1")));
        notFound(e, "an unknown group", create.apply(oneOff.get().with("groupId", randomId())));
        notFound(e, "a malformed group id", create.apply(oneOff.get().with("groupId", "not-a-uuid")));
        notFound(e, "an SQL-ish group id", create.apply(oneOff.get().with("groupId", SQL)));
        forbidden(e, "a group of which the caller is not a member", create.apply(oneOff.get().with("groupId", f.othersGroup())));
        forbidden(e, "a non-member", r -> post(path, f.outsider().accessToken(), oneOff.get().json()).apply(r));
    }

    private void listAndDeleteSchedules() {
        String owner = f.owner().accessToken();
        String path = "/api/scheduled-messages";
        notFound(LIST_SCHEDULES, "a malformed groupId", get(path + "?groupId=not-a-uuid", owner));
        notFound(LIST_SCHEDULES, "an empty groupId", get(path + "?groupId=", owner));
        notFound(LIST_SCHEDULES, "an SQL-ish groupId", get(path + "?groupId=" + encoded(SQL), owner));
        notFound(LIST_SCHEDULES, "an unknown groupId", get(path + "?groupId=" + randomId(), owner));
        forbidden(LIST_SCHEDULES, "a group of which the caller is not a member", get(path + "?groupId=" + f.othersGroup(), owner));
        add(LIST_SCHEDULES, "PUT on the collection", 405, NOT_ALLOWED, send("PUT", path, owner, "application/json", "{}"));
        notFound(DELETE_SCHEDULE, "a malformed id", delete(path + "/not-a-uuid", owner));
        notFound(DELETE_SCHEDULE, "an unknown id", delete(path + "/" + randomId(), owner));
        rejectedPath(DELETE_SCHEDULE, "an SQL-ish id (an encoded ';' in the path)", delete(path + "/" + encoded(SQL), owner));
        notFound(DELETE_SCHEDULE, "an id of SQL without ';'", delete(path + "/" + encoded("' OR 1=1 --"), owner));
        notFound(DELETE_SCHEDULE, "a group's id instead of a schedule's", delete(path + "/" + f.group(), owner));
        notFound(DELETE_SCHEDULE, "someone else's schedule in a group the caller cannot see",
                delete(path + "/" + f.othersSchedule(), owner));
        forbidden(DELETE_SCHEDULE, "the owner's schedule, by a member who did not create it",
                delete(path + "/" + f.ownSchedule(), f.member().accessToken()));
        notFound(DELETE_SCHEDULE, "the owner's schedule, by a non-member", delete(path + "/" + f.ownSchedule(), f.outsider().accessToken()));
        add(DELETE_SCHEDULE, "an id with an encoded slash", 400, BAD_REQUEST, delete(path + "/a%2F..%2Fb", owner));
    }

    // ---- operations ----

    private void operations() {
        add(HEALTH, "a junk query string on /health (ignored)", 200, null, get("/health?x=%3Cscript%3E&" + encoded(SQL) + "=1", null));
        add(HEALTH, "a junk query string on /health/live (ignored)", 200, null, get("/health/live?verbose=%00", null));
        add(HEALTH, "POST /health", 405, NOT_ALLOWED, post("/health", null, "{}"));
        add(HEALTH, "DELETE /health/ready", 405, NOT_ALLOWED, delete("/health/ready", null));
        add(HEALTH, "PUT /health/detailed", 405, NOT_ALLOWED, send("PUT", "/health/detailed", null, "application/json", "{}"));
        add(HEALTH, "an unknown health path", 404, NOT_FOUND, get("/health/everything", null));
        add(HEALTH, "a health path climbing to admin", 400, BAD_REQUEST, r -> r.raw("GET", "/health/../admin/locks", "", new byte[0]));
        add(METRICS, "a junk query string (ignored)", 200, null, get("/metrics?name%5B%5D=%00&" + encoded(SQL), null));
        add(METRICS, "a query string with raw brackets", 400, BAD_REQUEST, get("/metrics?name[]=x", null),
                new HttpCase.ThroughNginx(400, BAD_REQUEST, true));
        add(METRICS, "POST /metrics", 405, NOT_ALLOWED, post("/metrics", null, "{}"));
        add(METRICS, "DELETE /metrics", 405, NOT_ALLOWED, delete("/metrics", null));
    }

    private void admin() {
        for (String path : List.of("/admin/locks", "/admin/cluster")) {
            String e = path.equals("/admin/locks") ? ADMIN_LOCKS : ADMIN_CLUSTER;
            forbidden(e, "a plain user", get(path, f.member().accessToken()));
            forbidden(e, "a group owner", get(path, f.owner().accessToken()));
            forbidden(e, "a plain user claiming a role in the query", get(path + "?role=ADMIN&roles=ADMIN", f.member().accessToken()));
            forbidden(e, "a plain user with a forged X-Forwarded-For", r -> r.send(r.api().request(path, f.member().accessToken())
                    .header("X-Forwarded-For", "10.0.0.1").GET()));
            forbidden(e, "a plain user, POST", post(path, f.member().accessToken(), "{}"));
            add(e, "a path with a matrix parameter", 400, BAD_REQUEST, get(path + ";roles=ADMIN", f.member().accessToken()));
            add(e, "a path with an encoded dot segment", 400, BAD_REQUEST, get("/api/%2e%2e" + path, f.member().accessToken()));
        }
    }

    /** Requests malformed below JSON: the request line, headers, methods, paths. */
    private void routing() {
        String e = ROUTING;
        String member = f.member().accessToken();
        add(e, "an unknown API path", 404, NOT_FOUND, get("/api/nothing-here", member));
        add(e, "an unknown API path without a token", 401, UNAUTHORIZED, get("/api/nothing-here", null));
        add(e, "a path climbing out of the root", 400, BAD_REQUEST, r -> r.raw("GET", "/../../../../etc/passwd", "", new byte[0]));
        add(e, "an encoded path climbing out of the root", 400, BAD_REQUEST,
                r -> r.raw("GET", "/%2e%2e/%2e%2e/etc/passwd", "", new byte[0]));
        add(e, "a path with an encoded NUL", 400, BAD_REQUEST, r -> r.raw("GET", "/api/users/me%00.json", auth(member), new byte[0]));
        add(e, "a path with a double slash", 400, BAD_REQUEST, get("/api//users/me", member));
        add(e, "a path with a backslash", 400, BAD_REQUEST, r -> r.raw("GET", "/api/users\\me", auth(member), new byte[0]),
                new HttpCase.ThroughNginx(400, BAD_REQUEST, true));
        add(e, "TRACE", 405, NOT_ALLOWED, r -> r.raw("TRACE", "/api/users/me", auth(member), new byte[0]));
        add(e, "an invented method", 400, BAD_REQUEST, r -> r.raw("BREW", "/api/groups", auth(member), new byte[0]));
        // nginx turns an absolute-form target into a path of its own upstream: the instance then sees GET /health.
        add(e, "a request target in absolute form for another host", 400, BAD_REQUEST,
                r -> r.raw("GET", "http://evil.example/health", "", new byte[0]), new HttpCase.ThroughNginx(200, null, false));
        add(e, "a request line with a space in the path", 400, BAD_REQUEST, r -> r.raw("GET", "/api/users/ me", auth(member), new byte[0]));
        // nginx drops a header line it cannot parse and passes the rest on: the request then lacks a token.
        add(e, "a header without a colon", 400, BAD_REQUEST, r -> r.raw("GET", "/api/groups", "NoColonHere\r\n", new byte[0]),
                new HttpCase.ThroughNginx(401, UNAUTHORIZED, false));
        add(e, "a 20 KB bearer token", 400, BAD_REQUEST, get("/api/users/me", "x".repeat(20_000)));
        add(e, "a 10 KB path", 404, NOT_FOUND, get("/api/groups/" + "a".repeat(10_000), member));
        add(e, "a 10 KB cookie (ignored)", 200, null, r -> r.send(requestOf(r, "/api/users/me", member)
                .header("Cookie", "refreshToken=" + "c".repeat(10_000)).GET()));
        add(e, "20 000 query parameters", 400, BAD_REQUEST, get("/api/users/me?" + "a=1&".repeat(20_000), member));
        add(e, "300 headers", 400, BAD_REQUEST, r -> r.raw("GET", "/api/users/me", auth(member) + "X-Junk: 1\r\n".repeat(300),
                new byte[0]));
        add(e, "an X-Request-ID carrying an encoded CR LF header", 200, null,
                noInjectedHeader(r -> r.raw("GET", "/health", "X-Request-ID: abc%0d%0aX-Injected:%201\r\n", new byte[0])));
        add(e, "an X-Request-ID of 300 characters (replaced)", 200, null,
                r -> r.raw("GET", "/health", "X-Request-ID: " + "x".repeat(300) + "\r\n", new byte[0]));
        add(e, "a Content-Length that is not a number", 400, BAD_REQUEST,
                r -> r.raw("POST", "/api/groups", auth(f.owner().accessToken()) + "Content-Type: application/json\r\n"
                        + "Content-Length: ten\r\n", "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        add(e, "two different Content-Lengths", 400, BAD_REQUEST,
                r -> r.raw("POST", "/api/groups", auth(f.owner().accessToken()) + "Content-Type: application/json\r\n"
                        + "Content-Length: 12\r\nContent-Length: 2\r\n", "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        // RFC 9112 §6.1: Transfer-Encoding wins over Content-Length. The chunked body is empty; what follows it is a
        // second request smuggled in, which must never be answered (Connection: close ends the exchange).
        add(e, "Content-Length and chunked together, smuggling a second request", 400, MALFORMED, noSecondAnswer(
                r -> r.raw("POST", "/api/groups", auth(f.owner().accessToken()) + "Content-Type: application/json\r\n"
                        + "Content-Length: 60\r\nTransfer-Encoding: chunked\r\n",
                        ("0\r\n\r\nPOST /api/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                + auth(f.owner().accessToken()) + "Content-Length: 12\r\n\r\n{\"name\":\"x\"}")
                                .getBytes(StandardCharsets.UTF_8))));
    }

    /** Upgrades to /ws that must be refused before any socket opens: by origin, by protocol, by method. */
    private void upgrades() {
        String e = UPGRADE;
        String token = "?access_token=" + f.member().accessToken();
        String handshake = "Upgrade: websocket\r\nConnection: Upgrade, close\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        forbidden(e, "an Origin of another site", r -> r.raw("GET", "/ws" + token, handshake + "Origin: http://evil.example\r\n", new byte[0]));
        forbidden(e, "the Origin null", r -> r.raw("GET", "/ws" + token, handshake + "Origin: null\r\n", new byte[0]));
        forbidden(e, "an Origin that only starts like the server's", r -> r.raw("GET", "/ws" + token,
                handshake + "Origin: http://127.0.0.1:" + r.port() + ".evil.example\r\n", new byte[0]));
        // Refused by Spring's handshake handler itself, which answers with the status alone (no error shape).
        add(e, "no Sec-WebSocket-Key", 400, null, r -> r.raw("GET", "/ws" + token,
                handshake.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), new byte[0]));
        add(e, "WebSocket version 8", 426, null, r -> r.raw("GET", "/ws" + token,
                handshake.replace("Version: 13", "Version: 8"), new byte[0]));
        add(e, "a plain GET without upgrade headers", 400, null, get("/ws" + token, null));
        add(e, "POST /ws", 405, null, post("/ws" + token, null, "{\"type\":\"ping\"}"));
    }

    // ---- one missing or bad token on every endpoint that needs one ----

    private void badTokens() {
        /** An endpoint that needs a user, and a body it would accept from one (null for GET and DELETE). */
        record Target(String endpoint, String path, String body) {
            Function<Route, Answer> withAuthorization(String authorization) {
                String method = endpoint.substring(0, endpoint.indexOf(' '));
                return r -> {
                    HttpRequest.Builder b = requestOf(r, path).method(method,
                            body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
                    if (body != null) {
                        b.header("Content-Type", "application/json");
                    }
                    if (authorization != null) {
                        b.header("Authorization", authorization);
                    }
                    return r.send(b);
                };
            }
        }
        List<Target> targets = List.of(
                new Target(LOGOUT, "/api/auth/logout", ""),
                new Target(ME, "/api/users/me", null),
                new Target(CREATE_GROUP, "/api/groups", JsonBody.of("name", "by a bad token").json()),
                new Target(LIST_GROUPS, "/api/groups", null),
                new Target(ADD_MEMBER, membersOf(f.group()), JsonBody.of("email", f.outsider().email()).json()),
                new Target(REMOVE_MEMBER, membersOf(f.group()) + "/" + f.member().userId(), null),
                new Target(POST_MESSAGE, "/api/messages", message("by a bad token", f.group()).json()),
                new Target(HISTORY, historyOf(f.group()), null),
                new Target(PRESENCE, presenceOf(f.group()), null),
                new Target(CREATE_SCHEDULE, "/api/scheduled-messages", JsonBody.of("groupId", f.group())
                        .with("content", "by a bad token").with("sendAt", "2030-01-01T00:00:00Z").json()),
                new Target(LIST_SCHEDULES, "/api/scheduled-messages", null),
                new Target(DELETE_SCHEDULE, "/api/scheduled-messages/" + f.ownSchedule(), null),
                new Target(ADMIN_LOCKS, "/admin/locks", null),
                new Target(ADMIN_CLUSTER, "/admin/cluster", null));
        Session owner = f.owner();
        String basic = Base64.getEncoder().encodeToString((owner.email() + ":correct horse battery").getBytes(StandardCharsets.UTF_8));
        Map<String, String> authorizations = new LinkedHashMap<>();
        authorizations.put("no Authorization header", null);
        authorizations.put("an empty bearer token", "Bearer ");
        authorizations.put("a garbage token", "Bearer this-is-not-a-jwt");
        authorizations.put("a three-part garbage token", "Bearer aaa.bbb.ccc");
        authorizations.put("a token signed with another secret",
                "Bearer " + ForgedTokens.hs256(owner, OTHER_SECRET, Instant.now().plus(Duration.ofHours(2))));
        authorizations.put("an expired token", "Bearer " + ForgedTokens.hs256(owner, TestCluster.SECRET, Instant.now().minus(Duration.ofHours(1))));
        authorizations.put("an alg=none token", "Bearer " + ForgedTokens.unsigned(owner));
        authorizations.put("a logged-out user's token", "Bearer " + f.loggedOut().accessToken());
        authorizations.put("an SQL-ish token", "Bearer " + encoded(SQL));
        authorizations.put("the owner's password as Basic credentials", "Basic " + basic);
        authorizations.put("the owner's token with another scheme", "Token " + owner.accessToken());
        for (Target target : targets) {
            authorizations.forEach((name, value) -> add(target.endpoint(), name, 401, UNAUTHORIZED, target.withAuthorization(value)));
        }
    }

    // ---- what every JSON body endpoint gets ----

    /**
     * Shape, media type and size: the same for every endpoint that takes a JSON body. {@code valid} is a body the
     * endpoint would accept (or refuse only for a reason after parsing), which each case spoils in one way.
     */
    private void jsonBodyCases(String e, String path, String token, Supplier<JsonBody> valid) {
        malformed(e, "a truncated JSON object", post(path, token, () -> valid.get().json().substring(0, 8)));
        malformed(e, "a JSON array instead of an object", post(path, token, () -> "[" + valid.get().json() + "]"));
        malformed(e, "a JSON string instead of an object", post(path, token, "\"" + e + "\""));
        malformed(e, "a JSON number instead of an object", post(path, token, "42"));
        malformed(e, "single-quoted JSON", post(path, token, () -> valid.get().json().replace('"', '\'')));
        malformed(e, "a trailing second object", post(path, token, () -> valid.get().json() + "{}"));
        malformed(e, "a duplicated key", post(path, token, () -> duplicatedFirstKey(valid.get().json())));
        malformed(e, "60 000 nested arrays", post(path, token, "[".repeat(60_000)));
        malformed(e, "bytes that are not UTF-8", r -> r.send(requestOf(r, path, token).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofByteArray(notUtf8(valid.get().json())))));
        add(e, "a text/plain body", 415, MEDIA, send("POST", path, token, "text/plain", valid));
        add(e, "no Content-Type", 415, MEDIA, send("POST", path, token, null, valid));
        add(e, "an XML body", 415, MEDIA, send("POST", path, token, "application/xml", () -> JsonBody.of("x", "<a/>")));
        add(e, "a form body", 415, MEDIA, send("POST", path, token, "application/x-www-form-urlencoded", () -> JsonBody.of("a", "b")));
        add(e, "a charset that does not exist", 415, MEDIA, r -> r.raw("POST", path, auth(token)
                + "Content-Type: application/json; charset=no-such-charset\r\n", valid.get().json().getBytes(StandardCharsets.UTF_8)));
        add(e, "UTF-8 bytes declared UTF-16", 415, MEDIA, r -> r.raw("POST", path, auth(token)
                + "Content-Type: application/json; charset=UTF-16\r\n", valid.get().json().getBytes(StandardCharsets.UTF_8)));
        add(e, "a Content-Type with CR LF smuggled in", 415, MEDIA, noInjectedHeader(r -> r.raw("POST", path,
                auth(token) + "Content-Type: text/plain%0d%0aX-Injected: 1\r\n", valid.get().json().getBytes(StandardCharsets.UTF_8))));
        add(e, "70 KiB with Content-Length", 413, TOO_LARGE, r -> r.raw("POST", path, auth(token) + "Content-Type: application/json\r\n",
                padded(valid.get(), 70 * 1024)));
        add(e, "1 MiB chunked without Content-Length", 413, TOO_LARGE, r -> r.send(requestOf(r, path, token)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(padded(valid.get(), 1024 * 1024))))));
    }

    // ---- requests ----

    static Function<Route, Answer> get(String path, String token) {
        return r -> r.send(requestOf(r, path, token).GET());
    }

    static Function<Route, Answer> delete(String path, String token) {
        return r -> r.send(requestOf(r, path, token).DELETE());
    }

    static Function<Route, Answer> post(String path, String token, String json) {
        return post(path, token, () -> json);
    }

    static Function<Route, Answer> post(String path, String token, Supplier<String> json) {
        return r -> r.send(requestOf(r, path, token).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json.get())));
    }

    static Function<Route, Answer> send(String method, String path, String token, String contentType, String body) {
        return r -> {
            HttpRequest.Builder b = requestOf(r, path, token).method(method, BodyPublishers.ofString(body));
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            return r.send(b);
        };
    }

    static Function<Route, Answer> send(String method, String path, String token, String contentType, Supplier<JsonBody> body) {
        return r -> send(method, path, token, contentType, body.get().json()).apply(r);
    }

    static HttpRequest.Builder requestOf(Route r, String path, String token) {
        return r.api().request(path, token);
    }

    static HttpRequest.Builder requestOf(Route r, String path) {
        return HttpRequest.newBuilder(URI.create(r.api().base() + path)).timeout(Duration.ofSeconds(30));
    }

    /** Fails the case when the answer carries a header the request tried to smuggle in; else passes the answer on. */
    static Function<Route, Answer> noInjectedHeader(Function<Route, Answer> call) {
        return r -> {
            Answer a = call.apply(r);
            if (a.header("X-Injected") != null) {
                throw new AssertionError("a smuggled header came back: " + a.headers());
            }
            return a;
        };
    }

    /** Fails the case when a second HTTP answer follows the first one on the connection. */
    static Function<Route, Answer> noSecondAnswer(Function<Route, Answer> call) {
        return r -> {
            Answer a = call.apply(r);
            if (a.body().contains("HTTP/1.1 ")) {
                throw new AssertionError("a smuggled request was answered: " + a.body());
            }
            return a;
        };
    }

    static String auth(String token) {
        return token == null ? "" : "Authorization: Bearer " + token + "\r\n";
    }

    /** The body with a padding field (unknown fields are ignored) that makes it {@code size} bytes or more. */
    static byte[] padded(JsonBody valid, int size) {
        return valid.with("padding", "x".repeat(size)).json().getBytes(StandardCharsets.UTF_8);
    }

    /** {"a":1,...} becomes {"a":1,"a":1,...}: the first key twice. */
    static String duplicatedFirstKey(String json) {
        int comma = json.indexOf(',');
        String first = comma > 0 ? json.substring(1, comma) : json.substring(1, json.length() - 1);
        return "{" + first + "," + json.substring(1);
    }

    /** The JSON with an invalid UTF-8 sequence (0xC3 0x28) inside its first string value. */
    static byte[] notUtf8(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        int quote = json.indexOf(":\"") + 2;
        byte[] spoiled = Arrays.copyOf(bytes, bytes.length + 2);
        System.arraycopy(bytes, quote, spoiled, quote + 2, bytes.length - quote);
        spoiled[quote] = (byte) 0xC3;
        spoiled[quote + 1] = (byte) 0x28;
        return spoiled;
    }

    private JsonBody account() {
        return JsonBody.of("email", "new-" + UUID.randomUUID() + "@example.test").with("password", "correct horse battery")
                .with("displayName", "New");
    }

    private static JsonBody credentials(Session session) {
        return JsonBody.of("email", session.email()).with("password", "correct horse battery");
    }

    static JsonBody message(String content, String... targetIds) {
        return JsonBody.of("content", content).with("targetType", "group").with("targetIds", Arrays.asList(targetIds));
    }

    static String membersOf(String groupId) {
        return "/api/groups/" + groupId + "/members";
    }

    static String historyOf(String groupId) {
        return "/api/groups/" + groupId + "/messages";
    }

    static String presenceOf(String groupId) {
        return "/api/groups/" + groupId + "/presence";
    }

    static String randomId() {
        return UUID.randomUUID().toString();
    }

    static String encoded(String raw) {
        return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void add(String endpoint, String name, int status, String code, Function<Route, Answer> call) {
        cases.add(new HttpCase(endpoint, name, status, code, call, null));
    }

    private void add(String endpoint, String name, int status, String code, Function<Route, Answer> call,
            HttpCase.ThroughNginx throughNginx) {
        cases.add(new HttpCase(endpoint, name, status, code, call, throughNginx));
    }

    private void malformed(String endpoint, String name, Function<Route, Answer> call) {
        add(endpoint, name, 400, MALFORMED, call);
    }

    private void invalid(String endpoint, String name, Function<Route, Answer> call) {
        add(endpoint, name, 400, INVALID, call);
    }

    private void notFound(String endpoint, String name, Function<Route, Answer> call) {
        add(endpoint, name, 404, NOT_FOUND, call);
    }

    /** Refused by the firewall in front of the controllers (an encoded ';', '/', '\\' or NUL in the path). */
    private void rejectedPath(String endpoint, String name, Function<Route, Answer> call) {
        add(endpoint, name, 400, BAD_REQUEST, call);
    }

    private void forbidden(String endpoint, String name, Function<Route, Answer> call) {
        add(endpoint, name, 403, FORBIDDEN, call);
    }
}
