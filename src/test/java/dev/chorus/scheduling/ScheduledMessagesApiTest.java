package dev.chorus.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The scheduled-messages endpoints and the admin endpoints, with their refusals. */
class ScheduledMessagesApiTest {

    static TestCluster cluster;
    static Api api;
    static Session owner;
    static Session member;
    static Session stranger;
    static Session admin;
    static String group;

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        String adminEmail = "admin-" + cluster.redisPrefix().replace(":", "") + "@example.test";
        cluster.with("ADMIN_EMAILS", adminEmail);
        api = cluster.start("api-1", Map.of(), "--chorus.scheduling.poll-interval=PT0.3S").api();
        cluster.start("api-2");
        owner = api.newUser("owner");
        member = api.newUser("member");
        stranger = api.newUser("stranger");
        admin = api.newUser("admin", adminEmail);
        group = api.createGroup(owner.accessToken(), "planned");
        api.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email()));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static Map<String, Object> oneOff(String content, Instant at) {
        return Map.of("groupId", group, "content", content, "sendAt", at.toString());
    }

    @Test
    void aOneOffMessageIsCreatedListedAndSentAtItsTime() {
        Instant at = Instant.now().plusSeconds(4); // still in the future when a slow machine handles the request
        Response created = api.post("/api/scheduled-messages", member.accessToken(), oneOff("see you soon", at));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("groupId")).isEqualTo(group);
        assertThat(created.text("sendAt")).isEqualTo(at.toString());
        assertThat(created.text("nextRunAt")).isEqualTo(at.toString());
        assertThat(created.text("createdBy")).isEqualTo(member.userId());
        assertThat(created.json().path("cron").isNull()).isTrue();
        String id = created.text("id");
        assertThat(api.get("/api/scheduled-messages?groupId=" + group, owner.accessToken()).json().path("scheduled").toString()).contains(id);
        assertThat(api.get("/api/scheduled-messages", member.accessToken()).json().path("scheduled").toString()).contains(id);

        Await.until(Duration.ofSeconds(15), "the scheduled message is in history",
                () -> api.get("/api/groups/" + group + "/messages?limit=200", owner.accessToken()).raw().body(),
                history -> history.contains("see you soon"));
        String after = api.get("/api/scheduled-messages?groupId=" + group, owner.accessToken()).raw().body();
        assertThat(after).contains("\"nextRunAt\":null");
    }

    @Test
    void aRecurringMessageReportsItsNextRunInItsTimezone() {
        Response created = api.post("/api/scheduled-messages", owner.accessToken(),
                Map.of("groupId", group, "content", "standup", "cron", "0 9 * * 1-5", "timezone", "Europe/Berlin"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("timezone")).isEqualTo("Europe/Berlin");
        Instant next = Instant.parse(created.text("nextRunAt"));
        assertThat(next.atZone(java.time.ZoneId.of("Europe/Berlin")).getHour()).isEqualTo(9);
        assertThat(api.delete("/api/scheduled-messages/" + created.text("id"), owner.accessToken()).status()).isEqualTo(204);
    }

    @Test
    void theLastSecondOfYear9999AndACronOnceAMinuteAreAccepted() {
        Response last = api.post("/api/scheduled-messages", owner.accessToken(),
                Map.of("groupId", group, "content", "far away", "sendAt", "9999-12-31T23:59:59Z"));
        assertThat(last.status()).as(last.toString()).isEqualTo(201);
        assertThat(last.text("nextRunAt")).isEqualTo("9999-12-31T23:59:59Z");
        Response everyMinute = api.post("/api/scheduled-messages", owner.accessToken(),
                Map.of("groupId", group, "content", "tick", "cron", "15 * * * * *", "timezone", "UTC"));
        assertThat(everyMinute.status()).as(everyMinute.toString()).isEqualTo(201);
        assertThat(Instant.parse(everyMinute.text("nextRunAt")).atZone(java.time.ZoneOffset.UTC).getSecond()).isEqualTo(15);
        assertThat(api.delete("/api/scheduled-messages/" + last.text("id"), owner.accessToken()).status()).isEqualTo(204);
        assertThat(api.delete("/api/scheduled-messages/" + everyMinute.text("id"), owner.accessToken()).status()).isEqualTo(204);
    }

    @Test
    void onlyTheCreatorOrTheOwnerDeletes() {
        String byMember = api.post("/api/scheduled-messages", member.accessToken(), oneOff("x", Instant.now().plusSeconds(3600))).text("id");
        String byOwner = api.post("/api/scheduled-messages", owner.accessToken(), oneOff("y", Instant.now().plusSeconds(3600))).text("id");
        assertThat(api.delete("/api/scheduled-messages/" + byMember, stranger.accessToken()).status()).isEqualTo(404);
        assertThat(api.delete("/api/scheduled-messages/" + byOwner, member.accessToken()).status()).isEqualTo(403);
        assertThat(api.delete("/api/scheduled-messages/" + byMember, owner.accessToken()).status()).isEqualTo(204);
        assertThat(api.delete("/api/scheduled-messages/" + byOwner, owner.accessToken()).status()).isEqualTo(204);
        assertThat(api.delete("/api/scheduled-messages/" + byOwner, owner.accessToken()).status()).isEqualTo(404);
        assertThat(api.delete("/api/scheduled-messages/not-an-id", owner.accessToken()).status()).isEqualTo(404);
    }

    static Stream<Arguments> refusals() {
        String future = Instant.now().plusSeconds(3600).toString();
        return Stream.of(
                Arguments.of("sendAt in the past", body("content", "x", "sendAt", Instant.now().minusSeconds(60).toString()), 422, "send_at_in_past"),
                Arguments.of("bad cron", body("content", "x", "cron", "99 * * * *", "timezone", "UTC"), 422, "invalid_cron"),
                Arguments.of("cron that never fires", body("content", "x", "cron", "0 0 30 2 *", "timezone", "UTC"), 422, "invalid_cron"),
                Arguments.of("unknown timezone", body("content", "x", "cron", "0 9 * * *", "timezone", "Mars/Olympus"), 422, "invalid_timezone"),
                Arguments.of("cron firing every second", body("content", "x", "cron", "* * * * * *", "timezone", "UTC"), 400, "validation_failed"),
                Arguments.of("cron firing twice a minute", body("content", "x", "cron", "0,30 * * * * *", "timezone", "UTC"), 400, "validation_failed"),
                Arguments.of("sendAt in the last second of 1999", body("content", "x", "sendAt", "1999-12-31T23:59:59Z"), 400, "validation_failed"),
                Arguments.of("sendAt at the first second of 2000, in the past", body("content", "x", "sendAt", "2000-01-01T00:00:00Z"), 422, "send_at_in_past"),
                Arguments.of("sendAt in the first second of 10000", body("content", "x", "sendAt", "+10000-01-01T00:00:00Z"), 400, "validation_failed"),
                Arguments.of("sendAt in 9999 locally but 10000 in UTC", body("content", "x", "sendAt", "9999-12-31T23:00:00-05:00"), 400, "validation_failed"),
                Arguments.of("sendAt at the end of time", body("content", "x", "sendAt", "+999999999-12-31T23:59:59Z"), 400, "validation_failed"),
                Arguments.of("sendAt at the start of time", body("content", "x", "sendAt", "-999999999-01-01T00:00:00Z"), 400, "validation_failed"),
                Arguments.of("both sendAt and cron", body("content", "x", "sendAt", future, "cron", "0 9 * * *"), 400, "validation_failed"),
                Arguments.of("neither sendAt nor cron", body("content", "x"), 400, "validation_failed"),
                Arguments.of("malformed sendAt", body("content", "x", "sendAt", "tomorrow"), 400, "validation_failed"),
                Arguments.of("oversized content", body("content", "x".repeat(4001), "sendAt", future), 400, "validation_failed"),
                Arguments.of("empty content", body("content", "", "sendAt", future), 400, "validation_failed"),
                Arguments.of("content as a number", "{\"groupId\":\"%s\",\"content\":5,\"sendAt\":\"" + future + "\"}", 400, "malformed_json"),
                Arguments.of("malformed JSON", "{\"groupId\":", 400, "malformed_json"),
                Arguments.of("unknown group", Map.of("groupId", "00000000-0000-0000-0000-000000000000", "content", "x", "sendAt", future), 404, "not_found"),
                Arguments.of("malformed group id", Map.of("groupId", "'; drop table groups; --", "content", "x", "sendAt", future), 404, "not_found"));
    }

    static Map<String, Object> body(String... pairs) {
        Map<String, Object> body = new HashMap<>();
        body.put("groupId", "%s");
        for (int i = 0; i < pairs.length; i += 2) {
            body.put(pairs[i], pairs[i + 1]);
        }
        return body;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void badSchedulesAreRefusedWithTheDocumentedErrorAndNothingIsStored(String what, Object body, int status, String code) {
        long before = cluster.queryLong("SELECT count(*) FROM scheduled_messages");
        String json = body instanceof String s ? s.formatted(group) : Api.JSON.writeValueAsString(body).replace("%s", group);
        Response r = api.postRaw("/api/scheduled-messages", owner.accessToken(), json, "application/json");
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.text("error")).isEqualTo(code);
        assertThat(r.text("requestId")).isEqualTo(r.header("X-Request-ID"));
        assertThat(cluster.queryLong("SELECT count(*) FROM scheduled_messages")).isEqualTo(before);
    }

    @Test
    void strangersCannotScheduleListOrSeeAGroupsSchedules() {
        long before = cluster.queryLong("SELECT count(*) FROM scheduled_messages");
        assertThat(api.post("/api/scheduled-messages", stranger.accessToken(), oneOff("x", Instant.now().plusSeconds(60))).status()).isEqualTo(403);
        assertThat(api.get("/api/scheduled-messages?groupId=" + group, stranger.accessToken()).status()).isEqualTo(403);
        assertThat(api.get("/api/scheduled-messages?groupId=nope", stranger.accessToken()).status()).isEqualTo(404);
        assertThat(api.post("/api/scheduled-messages", null, oneOff("x", Instant.now().plusSeconds(60))).status()).isEqualTo(401);
        assertThat(cluster.queryLong("SELECT count(*) FROM scheduled_messages")).isEqualTo(before);
    }

    @Test
    void adminEndpointsAreForAdminsOnly() {
        for (String path : new String[] {"/admin/locks", "/admin/cluster"}) {
            assertThat(api.get(path, null).status()).isEqualTo(401);
            assertThat(api.get(path, owner.accessToken()).status()).isEqualTo(403);
            assertThat(api.get(path, admin.accessToken()).status()).isEqualTo(200);
        }
        assertThat(admin.accessToken()).isNotBlank();
        assertThat(api.get("/api/users/me", admin.accessToken()).json().path("roles").toString()).contains("ADMIN");
    }

    @Test
    void adminClusterListsEveryLiveInstanceWithExactlyOneLeader() {
        Await.until(Duration.ofSeconds(10), "both instances listed with one leader",
                () -> api.get("/admin/cluster", admin.accessToken()).json().path("instances"),
                instances -> instances.size() == 2 && instances.valueStream().filter(i -> i.path("leader").asBoolean()).count() == 1);
        var first = api.get("/admin/cluster", admin.accessToken()).json().path("instances").get(0);
        assertThat(first.path("instanceId").asString()).isEqualTo("api-1");
        for (String field : new String[] {"startedAt", "lastSeen", "version", "websocketConnections"}) {
            assertThat(first.has(field)).as(field).isTrue();
        }
    }

    @Test
    void adminLocksListsAHeldLockWithItsHolderOnEveryInstance() {
        var locks = cluster.instances().get(0).bean(dev.chorus.cluster.DistributedLocks.class);
        try (var held = locks.tryAcquire("nightly-report", Duration.ofSeconds(30)).orElseThrow()) {
            var listed = cluster.instances().get(1).api().get("/admin/locks", admin.accessToken()).json().path("locks")
                    .valueStream().filter(l -> "nightly-report".equals(l.path("name").asString())).findFirst().orElseThrow();
            assertThat(listed.path("holder").asString()).isEqualTo("api-1");
            assertThat(Instant.parse(listed.path("expiresAt").asString())).isAfter(Instant.parse(listed.path("acquiredAt").asString()));
            assertThat(held.isHeld()).isTrue();
        }
        assertThat(api.get("/admin/locks", admin.accessToken()).raw().body()).doesNotContain("nightly-report");
    }
}
