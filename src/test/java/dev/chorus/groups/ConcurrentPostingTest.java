package dev.chorus.groups;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Posting to one group from three instances at once: seqs stay strictly increasing and gap-free, retries idempotent. */
class ConcurrentPostingTest {

    static TestCluster cluster;
    static List<Api> apis;
    static List<Session> posters;
    static String groupId;

    @BeforeAll
    static void startThreeInstancesAndAGroupWithThreeMembers() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0");
        apis = cluster.startMany(3).stream().map(TestCluster.Instance::api).toList();
        posters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            posters.add(apis.get(i).newUser("poster" + i));
        }
        groupId = apis.get(0).createGroup(posters.get(0).accessToken(), "busy");
        for (int i = 1; i < 3; i++) {
            Response added = apis.get(0).post("/api/groups/" + groupId + "/members", posters.get(0).accessToken(),
                    Map.of("email", posters.get(i).email()));
            assertThat(added.status()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void threeTimesTwoHundredConcurrentPostsGetSeqsExactlyOneToSixHundred() throws Exception {
        long before = cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + groupId + "'");
        List<Future<Response>> results = new ArrayList<>();
        Semaphore inFlight = new Semaphore(24);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int n = 0; n < 200; n++) {
                for (int i = 0; i < 3; i++) {
                    Api api = apis.get(i);
                    Session who = posters.get(i);
                    String cmid = "p" + i + "-" + n;
                    results.add(pool.submit(() -> {
                        inFlight.acquire();
                        try {
                            return post(api, who, cmid);
                        } finally {
                            inFlight.release();
                        }
                    }));
                }
            }
        }
        for (Future<Response> f : results) {
            assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(201);
        }
        assertThat(before).isZero();
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + groupId + "'")).isEqualTo(600);
        assertThat(cluster.queryLong("SELECT count(DISTINCT seq) FROM messages WHERE group_id = '" + groupId + "'")).isEqualTo(600);
        assertThat(cluster.queryLong("SELECT min(seq) FROM messages WHERE group_id = '" + groupId + "'")).isEqualTo(1);
        assertThat(cluster.queryLong("SELECT max(seq) FROM messages WHERE group_id = '" + groupId + "'")).isEqualTo(600);
        assertThat(historySeqs()).hasSize(600).isSorted().startsWith(1L, 2L, 3L).endsWith(599L, 600L);

        retriesWithTheSameClientMessageIdCreateNothing();
    }

    private void retriesWithTheSameClientMessageIdCreateNothing() throws Exception {
        List<Future<Response>> retries = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
            for (int n = 0; n < 50; n++) {
                String cmid = "p1-" + n;
                for (Api api : apis) {
                    retries.add(pool.submit(() -> post(api, posters.get(1), cmid)));
                }
            }
        }
        Set<String> ids = new HashSet<>();
        for (Future<Response> f : retries) {
            Response r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(201);
            ids.add(r.json().path("messages").get(0).path("id").asString());
        }
        assertThat(ids).hasSize(50);
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + groupId + "'")).isEqualTo(600);
    }

    @Test
    void aNewClientMessageIdRacedFromThreeInstancesIsStoredOnce() throws Exception {
        String other = apis.get(0).createGroup(posters.get(0).accessToken(), "race");
        List<Future<Response>> racers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(9)) {
            for (int round = 0; round < 3; round++) {
                for (Api api : apis) {
                    racers.add(pool.submit(() -> api.post("/api/messages", posters.get(0).accessToken(), Map.of(
                            "content", "once", "targetType", "group", "targetIds", List.of(other), "clientMessageId", "same"))));
                }
            }
        }
        Set<String> ids = new HashSet<>();
        for (Future<Response> f : racers) {
            Response r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(201);
            ids.add(r.json().path("messages").get(0).path("id").asString());
        }
        assertThat(ids).hasSize(1);
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + other + "'")).isEqualTo(1);
    }

    private static Response post(Api api, Session who, String cmid) {
        return api.post("/api/messages", who.accessToken(), Map.of(
                "content", "hello " + cmid, "targetType", "group", "targetIds", List.of(groupId), "clientMessageId", cmid));
    }

    private static List<Long> historySeqs() {
        List<Long> seqs = new ArrayList<>();
        long after = 0;
        boolean more = true;
        while (more) {
            Response page = apis.get(seqs.size() % 3).get("/api/groups/" + groupId + "/messages?limit=200&afterSeq=" + after,
                    posters.get(0).accessToken());
            assertThat(page.status()).isEqualTo(200);
            for (JsonNode m : page.json().path("messages")) {
                seqs.add(m.path("seq").asLong());
            }
            more = page.json().path("hasMore").asBoolean();
            after = seqs.isEmpty() ? 0 : seqs.getLast();
        }
        return seqs;
    }
}
