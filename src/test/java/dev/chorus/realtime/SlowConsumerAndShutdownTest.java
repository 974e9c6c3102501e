package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.StalledWsClient;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading is cut off with 1008 while everyone else keeps receiving; a graceful shutdown
 * closes sockets with 1012 and the client resumes on another instance without missing anything.
 */
class SlowConsumerAndShutdownTest {

    static final String BIG = "x".repeat(4000);
    static TestCluster cluster;
    static List<TestCluster.Instance> instances;
    static Session owner;

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        instances = List.of(cluster.start("slow-1", Map.of(), "--chorus.realtime.send-buffer-bytes=262144"),
                cluster.start("slow-2"));
        owner = instances.get(0).api().newUser("owner");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aClientThatStopsReadingIsClosedWith1008AndDelaysNobody() throws Exception {
        Api api = instances.get(0).api();
        String group = api.createGroup(owner.accessToken(), "flood");
        try (StalledWsClient stalled = new StalledWsClient(api, owner.accessToken());
                WsClient healthy = WsClient.connect(api, owner.accessToken())) {
            stalled.sendText("{\"type\":\"subscribe\",\"groupId\":\"" + group + "\"}");
            healthy.send(Map.of("type", "subscribe", "groupId", group));
            healthy.awaitType("subscribed");
            int total = 1500;
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < total; i++) {
                    assertThat(api.post("/api/messages", owner.accessToken(), Map.of("content", BIG, "targetType", "group",
                            "targetIds", List.of(group))).status()).isEqualTo(201);
                }
            });
            awaitMetric(api, "chorus_websocket_slow_consumers_total", Duration.ofSeconds(60));
            assertThat(stalled.drainUntilClose()).isEqualTo(1008);
            assertThat(healthy.messageSeqs(group, total, Duration.ofSeconds(60)))
                    .isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
            flood.get(60, TimeUnit.SECONDS);
        }
    }

    static void awaitMetric(Api api, String name, Duration timeout) {
        Await.until(timeout, name + " above 0", () -> api.get("/metrics", null).raw().body().lines()
                .filter(l -> l.startsWith(name)).toList(), lines -> lines.stream().anyMatch(l -> !l.endsWith(" 0.0")));
    }

    @Test
    void aGracefulShutdownClosesWith1012AndTheClientResumesElsewhereMissingNothing() {
        TestCluster.Instance doomed = cluster.start("slow-doomed");
        Api survivor = instances.get(1).api();
        String group = survivor.createGroup(owner.accessToken(), "restart");
        WsClient ws = WsClient.connect(doomed.api(), owner.accessToken());
        ws.send(Map.of("type", "subscribe", "groupId", group));
        ws.awaitType("subscribed");
        for (int i = 1; i <= 3; i++) {
            post(survivor, group, "before " + i);
        }
        List<Long> seen = ws.messageSeqs(group, 3, Duration.ofSeconds(10));

        doomed.stop();
        assertThat(ws.awaitClose(Duration.ofSeconds(10))).isEqualTo(1012);
        for (int i = 4; i <= 6; i++) {
            post(survivor, group, "during restart " + i);
        }
        try (WsClient resumed = WsClient.connect(survivor, owner.accessToken())) {
            resumed.send(Map.of("type", "subscribe", "groupId", group, "afterSeq", seen.getLast()));
            assertThat(resumed.awaitType("subscribed").path("lastSeq").asLong()).isEqualTo(6);
            post(survivor, group, "after");
            assertThat(resumed.messageSeqs(group, 4, Duration.ofSeconds(10))).containsExactly(4L, 5L, 6L, 7L);
        }
    }

    static void post(Api api, String group, String content) {
        assertThat(api.post("/api/messages", owner.accessToken(), Map.of("content", content, "targetType", "group",
                "targetIds", List.of(group))).status()).isEqualTo(201);
    }
}
