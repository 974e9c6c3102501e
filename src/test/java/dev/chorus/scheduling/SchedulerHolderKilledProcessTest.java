package dev.chorus.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** SIGKILL the instance holding the scheduler lock while it sends: every occurrence still goes out exactly once. */
@Tag("process")
class SchedulerHolderKilledProcessTest {

    TestCluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void killingTheLockHolderMidRunLosesAndDuplicatesNothing() {
        String adminEmail = "admin-" + java.util.UUID.randomUUID() + "@example.test";
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0").with("SCHEDULES_PER_USER", "0")
                .with("ADMIN_EMAILS", adminEmail);
        List<ChorusProcess> processes = List.of(
                cluster.startProcess("kill-1", "--chorus.scheduling.batch-size=2", "--chorus.scheduling.lock-ttl=PT3S"),
                cluster.startProcess("kill-2", "--chorus.scheduling.batch-size=2", "--chorus.scheduling.lock-ttl=PT3S"),
                cluster.startProcess("kill-3", "--chorus.scheduling.batch-size=2", "--chorus.scheduling.lock-ttl=PT3S"));
        Api api = processes.get(0).api();
        Session admin = api.newUser("admin", adminEmail);
        String group = api.createGroup(admin.accessToken(), "kill");
        int count = 300;
        Instant later = Instant.now().plus(Duration.ofHours(1));
        for (int i = 0; i < count; i++) {
            assertThat(processes.get(i % 3).api().post("/api/scheduled-messages", admin.accessToken(), Map.of(
                    "groupId", group, "content", "o" + i, "sendAt", later.toString())).status()).isEqualTo(201);
        }
        // All due at once (as if the clock had reached their time), however long creating them took: one long
        // pass, the lock held throughout.
        cluster.update("UPDATE scheduled_messages SET send_at = now(), next_run_at = now()");
        String holder = Await.until(Duration.ofSeconds(30), "sending has started under the scheduler lock",
                () -> new Progress(cluster.queryLong("SELECT count(*) FROM scheduled_occurrences"), schedulerHolder(api, admin.accessToken())),
                progress -> progress.sent() > 0 && progress.holder() != null).holder();
        ChorusProcess victim = processes.stream().filter(p -> p.id().equals(holder)).findFirst().orElseThrow();
        long sentBeforeKill = cluster.queryLong("SELECT count(*) FROM scheduled_occurrences");
        victim.kill();

        Await.until(Duration.ofSeconds(45), "every occurrence handled after the kill",
                () -> cluster.queryLong("SELECT count(*) FROM scheduled_occurrences"), handled -> handled == count);
        assertThat(sentBeforeKill).as("killed mid-run").isLessThan(count);
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT count(DISTINCT content) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT max(seq) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT count(*) FROM scheduled_occurrences WHERE outcome <> 'sent'")).isZero();
    }

    record Progress(long sent, String holder) {
    }

    /** The instance holding the scheduler lock, or null while nobody does. */
    static String schedulerHolder(Api api, String adminToken) {
        for (JsonNode lock : api.get("/admin/locks", adminToken).json().path("locks")) {
            if ("scheduler".equals(lock.path("name").asString())) {
                return lock.path("holder").asString();
            }
        }
        return null;
    }
}
