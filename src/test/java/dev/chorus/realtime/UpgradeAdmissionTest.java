package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.RawUpgrade;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.net.InetAddress;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, the reconnect storm: an instance admits at most WS_MAX_PENDING_UPGRADES sockets at once (upgraded, not
 * yet authenticated) and refuses the next upgrade at once with 503 {@code busy}, a Retry-After of 1 to 5 s and the
 * connection closed, instead of queueing work it cannot finish; an authenticated or closed socket gives its place
 * back. Under a burst of clients that back off with jitter and retry, every client gets in, nothing but 503 ever
 * refuses them, the ceiling holds, and liveness answers throughout. A real instance process with a small heap.
 */
@Tag("process")
class UpgradeAdmissionTest {

    static final int PENDING = 6;
    static final int CEILING = 120;
    static final int STORM_CLIENTS = 100;
    static final Duration WAIT = Duration.ofSeconds(20);
    static TestCluster cluster;
    static ChorusProcess instance;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        // A long auth timeout: the sockets held unauthenticated here must outlast the steps of a test on a loaded machine.
        instance = ChorusProcess.startWithHeap("admission", "128m", cluster.env("admission", Map.of(
                "WS_MAX_PENDING_UPGRADES", Integer.toString(PENDING), "WS_MAX_CONNECTIONS", Integer.toString(CEILING),
                "WS_MAX_SOCKETS_PER_USER", "1000", "RATE_LIMIT_PER_USER", "0", "RATE_LIMIT_PER_IP", "0")),
                "--chorus.realtime.auth-timeout=PT60S");
        api = instance.api();
    }

    @AfterAll
    static void stop() {
        if (instance != null) {
            instance.close();
        }
        cluster.close();
    }

    @Test
    void socketsNotYetAuthenticatedHoldThePlacesAndTheNextUpgradeIsRefusedAtOnceUntilOneAuthenticatesOrCloses() throws Exception {
        Session user = api.newUser("pending");
        List<WsClient> pending = new ArrayList<>();
        try {
            for (int i = 0; i < PENDING; i++) {
                pending.add(WsClient.connect(api, null));
            }
            try (RawUpgrade refused = RawUpgrade.send(InetAddress.getLoopbackAddress(), instance.port(), "/ws", Map.of())) {
                assertThat(refused.status()).isEqualTo(503);
                assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 5);
                assertThat(refused.header("Connection")).isEqualToIgnoringCase("close");
            }
            assertThat(SocketLimitsTest.upgradeStatus(api, user.accessToken())).isEqualTo(503);
            assertThat(api.get("/health/live", null).status()).isEqualTo(200);
            assertThat(api.get("/health/ready", null).status()).as("admitting is no reason to leave the rotation").isEqualTo(200);
            assertThat(api.get("/api/users/me", user.accessToken()).status()).isEqualTo(200);
            assertThat(metric("chorus_websocket_pending_upgrades")).isEqualTo(PENDING);

            pending.getFirst().send(Map.of("type", "auth", "token", user.accessToken()));
            pending.getFirst().awaitType("authenticated");
            Await.until(WAIT, "a place given back by an authenticated socket", () -> SocketLimitsTest.upgradeStatus(api, user.accessToken()) == 101);
            Await.until(WAIT, "all places taken again", () -> metric("chorus_websocket_pending_upgrades") == PENDING - 1);
            pending.add(WsClient.connect(api, null));
            assertThat(SocketLimitsTest.upgradeStatus(api, user.accessToken())).isEqualTo(503);

            pending.removeLast().close();
            Await.until(WAIT, "a place given back by a closed socket", () -> SocketLimitsTest.upgradeStatus(api, user.accessToken()) == 101);
        } finally {
            pending.forEach(WsClient::close);
        }
    }

    @Test
    void aBurstOfClientsThatBackOffAndRetryAllGetInWithNothingButBusyRefusalsAndLivenessAnswersThroughout() throws Exception {
        Session user = api.newUser("storm");
        String group = api.createGroup(user.accessToken(), "storm");
        Await.until(WAIT, "no socket left from the other test", () -> metric("chorus_websocket_connections") == 0);
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<WsClient> open = new ConcurrentLinkedQueue<>();
        List<Integer> liveness = new ArrayList<>();
        long slowestLiveMs = 0;
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < STORM_CLIENTS; i++) {
                clients.submit(() -> open.add(retryingClient(user, group, outcomes)));
            }
            clients.shutdown();
            while (!clients.awaitTermination(100, TimeUnit.MILLISECONDS)) {
                long start = System.nanoTime();
                liveness.add(api.get("/health/live", null).status());
                slowestLiveMs = Math.max(slowestLiveMs, (System.nanoTime() - start) / 1_000_000);
            }
            assertThat(open).as("every client got in; outcomes %s", outcomes).hasSize(STORM_CLIENTS);
            assertThat(outcomes.keySet()).as("outcomes %s", outcomes).containsOnly("subscribed", "busy");
            assertThat(outcomes.get("busy")).as("refused while the instance was admitting %d at once; outcomes %s", PENDING, outcomes)
                    .isNotNull();
            assertThat(liveness).as("liveness during the burst (slowest %d ms)", slowestLiveMs).isNotEmpty().containsOnly(200);
            assertThat(metric("chorus_websocket_connections")).isEqualTo(STORM_CLIENTS);
            assertThat(metric("chorus_websocket_pending_upgrades")).isZero();
        } finally {
            open.forEach(WsClient::close);
        }
    }

    /**
     * A client as the README asks for: on 503 it waits a random time below an exponentially growing bound (full
     * jitter) and tries again; it authenticates with a first frame and subscribes. Counts each outcome by the
     * refusal's error code ("busy", "connections_full"), or "subscribed", or the exception's name.
     */
    private static WsClient retryingClient(Session user, String group, Map<String, AtomicInteger> outcomes) throws InterruptedException {
        for (int attempt = 0; attempt < 30; attempt++) {
            String outcome;
            try {
                WsClient ws = WsClient.authenticated(api, user.accessToken());
                ws.send(Map.of("type", "subscribe", "groupId", group));
                ws.awaitType("subscribed");
                count(outcomes, "subscribed");
                return ws;
            } catch (CompletionException e) {
                outcome = e.getCause() instanceof WebSocketHandshakeException refused
                        ? refused.getResponse().statusCode() == 503 ? errorCode(refused) : "status " + refused.getResponse().statusCode()
                        : e.getCause().getClass().getSimpleName();
            } catch (RuntimeException | AssertionError e) {
                outcome = e.getClass().getSimpleName();
            }
            count(outcomes, outcome);
            Thread.sleep(ThreadLocalRandom.current().nextLong(Math.min(2_000, 50L << Math.min(attempt, 10)) + 1));
        }
        throw new AssertionError("no socket after 30 attempts; outcomes " + outcomes);
    }

    private static String errorCode(WebSocketHandshakeException refused) {
        Object body = refused.getResponse().body();
        return body instanceof String text ? Api.JSON.readTree(text).path("error").asString() : "503 without a body";
    }

    private static void count(Map<String, AtomicInteger> outcomes, String outcome) {
        outcomes.computeIfAbsent(outcome, o -> new AtomicInteger()).incrementAndGet();
    }

    /** A gauge's value from /metrics (summed over its series). */
    private static double metric(String name) {
        return api.get("/metrics", null).raw().body().lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
