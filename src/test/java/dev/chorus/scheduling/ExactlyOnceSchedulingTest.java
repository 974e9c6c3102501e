package dev.chorus.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each occurrence is sent exactly once however many instances run, whatever their clocks, and late after an outage. */
class ExactlyOnceSchedulingTest {

    static final String FAST = "--chorus.scheduling.poll-interval=PT0.3S";
    TestCluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
    }

    List<Api> start(String... offsets) {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0").with("SCHEDULES_PER_USER", "0");
        return java.util.stream.IntStream.range(0, offsets.length)
                .mapToObj(i -> cluster.start("sched-" + (i + 1), Map.of(), FAST, "--chorus.clock.offset=" + offsets[i]).api())
                .toList();
    }

    @Test
    void twoHundredOccurrencesDueWithinSecondsOnThreeInstancesProduceExactlyTwoHundredMessages() {
        List<Api> apis = start("PT0S", "PT0S", "PT0S");
        assertExactlyOnce(apis, 200);
    }

    @Test
    void instancesWhoseClocksDisagreeBySecondsStillSendEachOccurrenceOnce() {
        List<Api> apis = start("PT-4S", "PT0S", "PT5S");
        assertExactlyOnce(apis, 120);
    }

    void assertExactlyOnce(List<Api> apis, int count) {
        Session owner = apis.get(0).newUser("owner");
        String group = apis.get(0).createGroup(owner.accessToken(), "scheduled");
        Instant base = Instant.now().plusSeconds(8);
        for (int i = 0; i < count; i++) {
            // 10 ms apart, and still in the future for the instance whose clock runs 5 s ahead however slowly they are created
            Instant at = latest(base.plusMillis(i * 10L), Instant.now().plusSeconds(7));
            Response created = apis.get(i % apis.size()).post("/api/scheduled-messages", owner.accessToken(),
                    Map.of("groupId", group, "content", "occurrence " + i, "sendAt", at.toString()));
            assertThat(created.status()).as("%s", created).isEqualTo(201);
        }
        Await.until(Duration.ofSeconds(30), count + " occurrences handled and no schedule pending",
                () -> List.of(cluster.queryLong("SELECT count(*) FROM scheduled_occurrences"),
                        cluster.queryLong("SELECT count(*) FROM scheduled_messages WHERE next_run_at IS NOT NULL")),
                handledAndPending -> handledAndPending.equals(List.of((long) count, 0L)));
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT count(DISTINCT content) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT max(seq) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT count(*) FROM scheduled_occurrences WHERE outcome <> 'sent'")).isZero();
        assertThat(apis.get(1).get("/api/groups/" + group + "/messages?limit=200", owner.accessToken()).json().path("messages"))
                .hasSize(Math.min(count, 200));
    }

    static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    @Test
    void occurrencesMissedWhileEveryInstanceWasDownAreSentLateOnceOnStart() {
        List<Api> apis = start("PT0S", "PT0S");
        Session owner = apis.get(0).newUser("owner");
        String group = apis.get(0).createGroup(owner.accessToken(), "outage");
        Instant due = Instant.now().plusSeconds(6); // after the instances have stopped, even on a slow machine
        apis.get(0).post("/api/scheduled-messages", owner.accessToken(), Map.of("groupId", group, "content", "one-off", "sendAt", due.toString()));
        Response recurring = apis.get(1).post("/api/scheduled-messages", owner.accessToken(),
                Map.of("groupId", group, "content", "tick", "cron", "* * * * *", "timezone", "UTC"));
        assertThat(recurring.status()).isEqualTo(201);

        cluster.instances().forEach(TestCluster.Instance::stop);
        // A tick may have been sent before the instances stopped; only what is handled from here on counts.
        long handledBeforeTheOutage = cluster.queryLong("SELECT count(*) FROM scheduled_occurrences");
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE content = 'one-off'")).as("one-off sent before the outage").isZero();
        // Crons fire at most once a minute, so the outage the recurring schedule lived through is made minutes long
        // by moving its next occurrence back, as if nobody had run since then.
        cluster.sql("UPDATE scheduled_messages SET next_run_at = date_trunc('minute', now()) - interval '3 minutes' WHERE cron IS NOT NULL");
        Await.until(Duration.ofSeconds(15), "the one-off falls due while nobody runs",
                () -> cluster.queryLong("SELECT count(*) FROM scheduled_messages WHERE next_run_at < now() - interval '3 seconds'"),
                overdue -> overdue == 2);
        long handledWhileDown = cluster.queryLong("SELECT count(*) FROM scheduled_occurrences") - handledBeforeTheOutage;

        Api restarted = cluster.start("sched-after-outage", Map.of(), FAST).api();
        Await.until(Duration.ofSeconds(20), "the one-off sent once and no schedule overdue",
                () -> List.of(cluster.queryLong("SELECT count(*) FROM messages WHERE content = 'one-off'"),
                        cluster.queryLong("SELECT count(*) FROM scheduled_messages WHERE next_run_at < now()")),
                sentAndOverdue -> sentAndOverdue.equals(List.of(1L, 0L)));
        assertThat(handledWhileDown).isZero();
        long ticks = cluster.queryLong("SELECT count(*) FROM messages WHERE content = 'tick'");
        long slots = cluster.queryLong("SELECT count(*) FROM scheduled_occurrences o JOIN scheduled_messages s ON s.id = o.schedule_id WHERE s.cron IS NOT NULL");
        assertThat(ticks).isEqualTo(slots).isGreaterThanOrEqualTo(3);
        assertThat(cluster.queryLong("""
                SELECT count(*) FROM (SELECT due_at, lag(due_at) OVER (ORDER BY due_at) AS previous FROM scheduled_occurrences o
                JOIN scheduled_messages s ON s.id = o.schedule_id WHERE s.cron IS NOT NULL) d
                WHERE previous IS NOT NULL AND due_at - previous <> interval '1 minute'""")).as("one occurrence per minute, none skipped").isZero();
        assertThat(restarted.get("/metrics", null).raw().body()).contains("chorus_scheduler_lag_seconds_count").contains("chorus_scheduled_sent_total");
    }
}
