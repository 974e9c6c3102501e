package dev.chorus.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Balancer;
import dev.chorus.support.RawHttp.Answer;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * Issue 10, item 9: a catalogue of hostile HTTP requests (SPEC §3, {@link HttpCatalogue}) and WebSocket frames (SPEC
 * §4, {@link FrameCatalogue}), run twice: straight against an instance, and through the real nginx of {@code deploy/}
 * in front of the same instance. Every case states its answer and is held to it:
 * <ul>
 * <li>never a 5xx (nor a connection dropped without an answer);</li>
 * <li>from the instance, exactly the status and {@code error} code stated, in the one error shape
 * {@code {error, message, requestId}} with {@code requestId} equal to {@code X-Request-ID}; through nginx, nginx may
 * refuse a request itself (no {@code X-Instance-ID}), which is accepted only as a 4xx;</li>
 * <li>nothing written: the rows of users, groups, group_members, messages, scheduled_messages and
 * scheduled_occurrences and every group's seq counter, before and after each case; the session, revocation and
 * presence keys in Redis, before and after each batch;</li>
 * <li>a refused frame gets an {@code error} frame {@code {type, error, message}} of the stated code and the socket
 * stays open: a ping is answered with a pong after every case, and each batch ends with a real subscribe on the same
 * socket. Only what SPEC §4 and the container close are closed: a bad token (1008) and a frame over 64 KiB (1009).</li>
 * </ul>
 * One instance (rate limits off, so no case turns into a 429; a 30 s auth timeout, so the socket that has not
 * authenticated yet outlives its batch on a busy machine) serves both routes. The cases per endpoint and frame type are
 * printed at the end.
 */
class HostileInputSuiteTest {

    static final String INSTANCE = "hostile-1";
    static final Duration WAIT = Duration.ofSeconds(10);

    static TestCluster cluster;
    static Balancer nginx;
    static Fixture fixture;
    static WriteProbe writes;
    static final CaseCounts counts = new CaseCounts();

    @BeforeAll
    static void startAnInstanceWithNginxInFrontAndTheUsersTheCasesAimAt() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_USER", "0").with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_LOGIN", "0")
                .with("ADMIN_EMAILS", "hostile-admin@example.test");
        Api api = cluster.start(INSTANCE, Map.of(), "--chorus.realtime.auth-timeout=PT30S").api();
        nginx = Balancer.start(Balancer.Kind.NGINX, Map.of(INSTANCE, java.net.URI.create(api.base()).getPort()));
        fixture = fixture(api);
        writes = new WriteProbe(cluster, fixture.proofGroup());
    }

    @AfterAll
    static void stopAndPrintTheCountOfCases() {
        System.out.println(counts.table());
        if (writes != null) {
            writes.close();
        }
        if (nginx != null) {
            nginx.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @TestFactory
    Stream<DynamicNode> everyHostileInputIsRefusedClearlyAndChangesNothing() {
        List<Route> routes = List.of(new Route("direct", cluster.instances().getFirst().api(), false),
                new Route("through nginx", nginx.api(), true));
        List<HttpCase> http = HttpCatalogue.all(fixture);
        List<FrameCase> frames = FrameCatalogue.all(fixture);
        Stream<DynamicNode> perRoute = routes.stream().map(route -> dynamicContainer(route.name(), Stream.of(
                dynamicContainer("HTTP", httpBatches(route, http)),
                dynamicContainer("WebSocket", new FrameRunner(route, fixture, writes, counts).batches(frames)))));
        return Stream.concat(perRoute, Stream.of(dynamicTest("at least 500 cases ran, counting both routes", () -> {
            assertThat(counts.failedToCount()).as("cases that could not be counted").isZero();
            assertThat(counts.total()).as("cases run:%n%s", counts.table()).isGreaterThanOrEqualTo(500);
        })));
    }

    // ---- HTTP ----

    private static Stream<DynamicNode> httpBatches(Route route, List<HttpCase> cases) {
        Map<String, List<HttpCase>> byEndpoint = cases.stream()
                .collect(Collectors.groupingBy(HttpCase::endpoint, LinkedHashMap::new, Collectors.toList()));
        return byEndpoint.entrySet().stream().map(batch -> {
            WriteProbe.Keys[] before = new WriteProbe.Keys[1];
            Stream<DynamicNode> tests = Stream.of(
                    Stream.<DynamicNode>of(dynamicTest("(Redis keys before)", () -> before[0] = writes.keys())),
                    batch.getValue().stream().<DynamicNode>map(c -> dynamicTest(c.toString(), () -> run(route, c))),
                    Stream.<DynamicNode>of(dynamicTest("no session, revocation or presence key written by this batch",
                            () -> assertThat(writes.keys()).isEqualTo(before[0]))))
                    .flatMap(s -> s);
            return dynamicContainer(batch.getKey(), tests);
        });
    }

    static void run(Route route, HttpCase c) {
        counts.add("HTTP " + c.endpoint(), route);
        WriteProbe.Rows before = writes.rows();
        Answer answer = c.call().apply(route);
        judge(route, c, answer);
        assertThat(writes.rows()).as("rows after %s", c).isEqualTo(before);
    }

    static void judge(Route route, HttpCase c, Answer a) {
        String shown = a.status() + " " + abbreviated(a.body()) + " " + a.headers();
        assertThat(a.status()).as("an HTTP answer at all: %s", shown).isPositive();
        assertThat(a.status()).as("never a 5xx: %s", shown).isLessThan(500);
        if (route.viaBalancer() && a.header("X-Instance-ID") == null) {
            assertThat(a.status()).as("nginx answering itself may only refuse: %s", shown).isBetween(400, 499);
            counts.nginxAnswered(c.endpoint());
            return;
        }
        assertThat(a.status()).as(shown).isEqualTo(c.status(route));
        assertThat(a.header("X-Instance-ID")).as(shown).isEqualTo(INSTANCE);
        if (c.status(route) >= 400 && c.code(route) != null) {
            JsonNode error = a.json();
            assertThat(error.isObject()).as("a JSON object: %s", shown).isTrue();
            assertThat(fieldNames(error)).as("the error shape: %s", shown).isEqualTo(Set.of("error", "message", "requestId"));
            assertThat(error.path("error").asString()).as(shown).isEqualTo(c.code(route));
            assertThat(error.path("message").asString()).as("a human message: %s", shown).isNotBlank();
            assertThat(error.path("requestId").asString()).as(shown).isNotBlank();
            if (c.requestIdMatchesHeader(route)) {
                assertThat(error.path("requestId").asString()).as(shown).isEqualTo(a.header("X-Request-ID"));
            }
        }
    }

    // ---- the users, groups and schedules the cases aim at ----

    private static Fixture fixture(Api api) {
        Session owner = api.newUser("owner");
        Session member = api.newUser("member");
        Session outsider = api.newUser("outsider");
        Session loggedOut = api.newUser("leaver");
        // An admin exists (ADMIN_EMAILS), so the admin endpoints refuse the others for their role, not for want of one.
        api.newUser("admin", "hostile-admin@example.test");
        assertThat(api.post("/api/auth/logout", loggedOut.accessToken(), "").status()).isEqualTo(204);
        String group = groupOf(api, owner, member);
        String proofGroup = groupOf(api, owner, member);
        String othersGroup = api.createGroup(outsider.accessToken(), "elsewhere");
        Function<Session, Function<String, String>> schedule = who -> groupId -> {
            Api.Response r = api.post("/api/scheduled-messages", who.accessToken(), Map.of("groupId", groupId, "content", "later",
                    "sendAt", Instant.now().plus(Duration.ofDays(1)).toString()));
            assertThat(r.status()).as("%s", r).isEqualTo(201);
            return r.text("id");
        };
        assertThat(api.post("/api/messages", owner.accessToken(), Map.of("content", "first", "targetType", "group",
                "targetIds", List.of(group))).status()).isEqualTo(201);
        return new Fixture(owner, member, outsider, loggedOut, group, othersGroup, schedule.apply(owner).apply(group),
                schedule.apply(outsider).apply(othersGroup), proofGroup);
    }

    private static String groupOf(Api api, Session owner, Session member) {
        String id = api.createGroup(owner.accessToken(), "hostile");
        assertThat(api.post("/api/groups/" + id + "/members", owner.accessToken(), Map.of("email", member.email())).status())
                .isEqualTo(201);
        return id;
    }

    static Set<String> fieldNames(JsonNode node) {
        return node.properties().stream().map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    static String abbreviated(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Cases run per endpoint or frame type and route, and the refusals nginx made itself. */
    static final class CaseCounts {
        /** label → {direct, through nginx, answered by nginx itself}. Only the test thread touches it. */
        private final Map<String, int[]> counts = new LinkedHashMap<>();
        private int failedToCount;

        void add(String label, Route route) {
            counts.computeIfAbsent(label, l -> new int[3])[route.viaBalancer() ? 1 : 0]++;
        }

        void nginxAnswered(String endpoint) {
            int[] row = counts.get("HTTP " + endpoint);
            if (row == null) {
                failedToCount++;
                return;
            }
            row[2]++;
        }

        void nginxAnsweredFrame(String label) {
            counts.computeIfAbsent("WS " + label, l -> new int[3])[2]++;
        }

        int failedToCount() {
            return failedToCount;
        }

        int total() {
            return counts.values().stream().mapToInt(row -> row[0] + row[1]).sum();
        }

        String table() {
            StringBuilder table = new StringBuilder(String.format("%nHostile-input cases%n%-58s %8s %8s %14s%n", "endpoint / frame",
                    "direct", "nginx", "nginx itself"));
            int[] sum = new int[3];
            counts.forEach((label, row) -> {
                table.append(String.format("%-58s %8d %8d %14d%n", label, row[0], row[1], row[2]));
                for (int i = 0; i < 3; i++) {
                    sum[i] += row[i];
                }
            });
            return table.append(String.format("%-58s %8d %8d %14d%ntotal cases: %d%n", "all", sum[0], sum[1], sum[2],
                    sum[0] + sum[1])).toString();
        }
    }
}
