package dev.chorus.groups;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Group commit keeps the rules of a single post: refused posts inside a batch take no seq and leave the others
 * alone, batches and multi-group posts locking the same groups never deadlock, and concurrent posts really are
 * written together.
 */
class GroupCommitTest {

    static TestCluster cluster;
    static List<TestCluster.Instance> instances;
    static Session owner;
    static Session member;
    static Session outsider;

    @BeforeAll
    static void startThreeInstances() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        instances = cluster.startMany(3);
        owner = api(0).newUser("owner");
        member = api(1).newUser("member");
        outsider = api(2).newUser("outsider");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void postsRefusedInsideABatchTakeNoSeqAndTheOthersAreStored() throws Exception {
        String group = groupWithMember("mixed batch");
        List<Future<Response>> members = new ArrayList<>();
        List<Future<Response>> outsiders = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(24)) {
            for (int i = 0; i < 120; i++) {
                int n = i;
                members.add(pool.submit(() -> post(api(n % 3), n % 2 == 0 ? owner : member, List.of(group), "m" + n)));
                outsiders.add(pool.submit(() -> post(api(n % 3), outsider, List.of(group), "o" + n)));
            }
        }
        for (Future<Response> f : members) {
            assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(201);
        }
        for (Future<Response> f : outsiders) {
            Response refused = f.get(60, TimeUnit.SECONDS);
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.text("error")).isEqualTo("forbidden");
        }
        assertGapFree(group, 120);
    }

    @Test
    void batchesAndMultiGroupPostsOnTheSameGroupsNeverDeadlockAndStayGapFree() throws Exception {
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < 6; g++) {
            groups.add(groupWithMember("overlap " + g));
        }
        List<Future<Response>> posts = new ArrayList<>();
        Map<String, Integer> expected = new HashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(24)) {
            for (int i = 0; i < 240; i++) {
                int n = i;
                List<String> targets = n % 4 == 0 ? List.of(groups.get(n % 6), groups.get((n + 1) % 6), groups.get((n + 3) % 6))
                        : List.of(groups.get(n % 6));
                targets.forEach(t -> expected.merge(t, 1, Integer::sum));
                posts.add(pool.submit(() -> post(api(n % 3), n % 2 == 0 ? owner : member, targets, "x" + n)));
            }
        }
        for (Future<Response> f : posts) {
            Response r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).as("%s", r).isEqualTo(201);
        }
        for (String group : groups) {
            assertGapFree(group, expected.get(group));
        }
    }

    @Test
    void concurrentPostsOnOneInstanceAreWrittenInSharedTransactions() throws Exception {
        String group = groupWithMember("shared commits");
        DistributionSummary batches = instances.get(0).bean(MeterRegistry.class).get("chorus.messages.batch.size").summary();
        double before = batches.count();
        try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
            List<Future<Response>> posts = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                posts.add(pool.submit(() -> post(api(0), owner, List.of(group), "b" + n)));
            }
            for (Future<Response> f : posts) {
                assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(201);
            }
        }
        assertGapFree(group, 400);
        double transactions = batches.count() - before;
        assertThat(transactions).as("transactions for 400 concurrent posts").isLessThan(400);
        assertThat(batches.max()).as("largest batch").isGreaterThan(1);
    }

    @Test
    void underSustainedPostingALaneStartsAtMostOneBatchPerCommitInterval() throws Exception {
        String group = groupWithMember("paced commits");
        TestCluster.Instance paced = cluster.start("paced", Map.of(), "--chorus.groups.commit-interval=PT0.5S",
                "--chorus.groups.writer-lanes=1");
        try {
            DistributionSummary batches = paced.bean(MeterRegistry.class).get("chorus.messages.batch.size").summary();
            // Eight posters, each posting its next message as soon as the last one is answered: without the pace
            // each batch holds whatever came during the previous transaction (a post or two); with a 500 ms pace
            // every batch gathers the eight posters' next posts.
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<?>> posters = new ArrayList<>();
                for (int p = 0; p < 8; p++) {
                    int poster = p;
                    posters.add(pool.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            assertThat(post(paced.api(), owner, List.of(group), "p" + poster + "-" + i).status()).isEqualTo(201);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : posters) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
            assertGapFree(group, 80);
            // Ten rounds of eight, give or take a straggler.
            assertThat(batches.count()).as("transactions for 80 posts from 8 sequential posters").isLessThanOrEqualTo(16);
            assertThat(batches.max()).as("largest batch").isGreaterThanOrEqualTo(6);
        } finally {
            paced.stop();
        }
    }

    static void assertGapFree(String group, int count) {
        String where = " FROM messages WHERE group_id = '" + group + "'";
        assertThat(cluster.queryLong("SELECT count(*)" + where)).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT count(DISTINCT seq)" + where)).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT min(seq)" + where)).isEqualTo(1);
        assertThat(cluster.queryLong("SELECT max(seq)" + where)).isEqualTo(count);
        assertThat(cluster.queryLong("SELECT last_seq FROM groups WHERE id = '" + group + "'")).isEqualTo(count);
    }

    static String groupWithMember(String name) {
        String group = api(0).createGroup(owner.accessToken(), name);
        assertThat(api(0).post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status())
                .isEqualTo(201);
        return group;
    }

    static Response post(Api api, Session who, List<String> targets, String cmid) {
        return api.post("/api/messages", who.accessToken(), Map.of("content", "hello " + cmid, "targetType", "group",
                "targetIds", targets, "clientMessageId", cmid));
    }

    static Api api(int i) {
        return instances.get(i).api();
    }
}
