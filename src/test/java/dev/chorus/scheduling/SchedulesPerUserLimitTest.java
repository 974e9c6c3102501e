package dev.chorus.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SCHEDULES_PER_USER: a user holds at most that many schedules that will still fire; one more is 422. */
class SchedulesPerUserLimitTest {

    static final int LIMIT = 3;
    static TestCluster cluster;
    static Api one;
    static Api two;
    static Session owner;
    static String group;

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("SCHEDULES_PER_USER", Integer.toString(LIMIT))
                .with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        one = cluster.start("limit-1", Map.of(), "--chorus.scheduling.poll-interval=PT0.3S").api();
        two = cluster.start("limit-2").api();
        owner = one.newUser("owner");
        group = one.createGroup(owner.accessToken(), "limits");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static Response later(Api api, Session user, int minutes) {
        return api.post("/api/scheduled-messages", user.accessToken(),
                Map.of("groupId", group, "content", "later " + minutes, "sendAt", Instant.now().plusSeconds(60L * minutes).toString()));
    }

    static Response recurring(Api api, Session user) {
        return api.post("/api/scheduled-messages", user.accessToken(),
                Map.of("groupId", group, "content", "daily", "cron", "0 9 * * *", "timezone", "UTC"));
    }

    Session memberOfTheGroup(String name) {
        Session user = one.newUser(name);
        one.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", user.email()));
        return user;
    }

    @Test
    void theLimitCountsOneOffsAndRecurringAlikeOnEveryInstanceAndOneMoreIs422() {
        Session user = memberOfTheGroup("counted");
        assertThat(later(one, user, 60).status()).isEqualTo(201);
        assertThat(recurring(two, user).status()).isEqualTo(201);
        assertThat(later(one, user, 120).status()).isEqualTo(201);
        for (Response refused : List.of(later(two, user, 180), recurring(one, user))) {
            assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
            assertThat(refused.text("error")).isEqualTo("limit_exceeded");
            assertThat(refused.text("requestId")).isEqualTo(refused.header("X-Request-ID"));
        }
        assertThat(one.get("/api/scheduled-messages", user.accessToken()).json().path("scheduled").size()).isEqualTo(LIMIT);
        assertThat(later(one, owner, 60).status()).as("another user has room of their own").isEqualTo(201);
    }

    @Test
    void deletingAScheduleMakesRoomForAnother() {
        Session user = memberOfTheGroup("deleter");
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= LIMIT; i++) {
            ids.add(later(one, user, 60 * i).text("id"));
        }
        assertThat(later(one, user, 500).status()).isEqualTo(422);
        assertThat(one.delete("/api/scheduled-messages/" + ids.getFirst(), user.accessToken()).status()).isEqualTo(204);
        assertThat(later(two, user, 500).status()).isEqualTo(201);
        assertThat(later(two, user, 600).status()).isEqualTo(422);
    }

    @Test
    void aOneOffThatWasSentNoLongerCounts() {
        Session user = memberOfTheGroup("sender");
        Response soon = one.post("/api/scheduled-messages", user.accessToken(),
                Map.of("groupId", group, "content", "soon", "sendAt", Instant.now().plusSeconds(1).toString()));
        assertThat(soon.status()).isEqualTo(201);
        for (int i = 1; i < LIMIT; i++) {
            assertThat(later(one, user, 60 * i).status()).isEqualTo(201);
        }
        assertThat(later(one, user, 500).status()).isEqualTo(422);
        Await.until(Duration.ofSeconds(20), "the one-off is sent", () -> cluster.queryLong(
                "SELECT count(*) FROM scheduled_messages WHERE id = '" + soon.text("id") + "' AND next_run_at IS NULL") == 1);
        assertThat(later(one, user, 500).status()).isEqualTo(201);
    }

    @Test
    void parallelRequestsCannotTogetherPassTheLimit() throws Exception {
        Session user = memberOfTheGroup("racer");
        List<CompletableFuture<Integer>> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
            for (int i = 0; i < 12; i++) {
                Api api = i % 2 == 0 ? one : two;
                int minutes = 60 + i;
                statuses.add(CompletableFuture.supplyAsync(() -> later(api, user, minutes).status(), pool));
            }
        }
        List<Integer> answered = statuses.stream().map(CompletableFuture::join).toList();
        assertThat(answered).filteredOn(s -> s == 201).hasSize(LIMIT);
        assertThat(answered).filteredOn(s -> s == 422).hasSize(12 - LIMIT);
        assertThat(cluster.queryLong("SELECT count(*) FROM scheduled_messages WHERE created_by = '" + user.userId() + "'"))
                .isEqualTo(LIMIT);
    }
}
