package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.Jcmd;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 3, the heap side: an instance with a small heap whose socket ceiling (WS_MAX_CONNECTIONS) is far
 * away stops taking sockets once the heap left in use after a collection passes WS_HEAP_CEILING_PERCENT, says
 * {@code heap-full} on readiness, and keeps its open sockets, its HTTP API and liveness working; once sockets close
 * and a collection frees their memory it takes sockets again.
 *
 * <p>The test asks the instance for a full collection (jcmd GC.run) after each batch of sockets rather than waiting
 * for the collector's own timing: the guard reads what the last collection left, so this makes the test depend on
 * conditions, not on when a collector chooses to run.
 */
@Tag("process")
class HeapCeilingTest {

    /**
     * The instance's heap and the share of it the heap after a collection may reach: ~58 MB. Not much lower: until a
     * mixed or full collection, G1 counts what start-up left in the old generation, garbage included, and an instance
     * started with a 32 % ceiling never became ready.
     */
    static final String HEAP = "128m";
    static final int CEILING_PERCENT = 45;
    static final int BATCH = 50;
    static final int MOST_SOCKETS = 2_000;
    static final Duration WAIT = Duration.ofSeconds(30);
    static TestCluster cluster;
    static ChorusProcess instance;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        instance = ChorusProcess.startWithHeap("heap-ceiling", HEAP, cluster.env("heap-ceiling", Map.of(
                "WS_HEAP_CEILING_PERCENT", Integer.toString(CEILING_PERCENT), "WS_MAX_CONNECTIONS", "10000",
                "WS_MAX_SOCKETS_PER_USER", "10000", "RATE_LIMIT_PER_USER", "0", "RATE_LIMIT_PER_IP", "0")));
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
    void pastItsHeapCeilingAnInstanceRefusesUpgradesSaysHeapFullAndKeepsServingWhatItHas() {
        Session user = api.newUser("heavy");
        String group = api.createGroup(user.accessToken(), "heavy");
        Jcmd.run(instance.pid(), "GC.run");
        assertThat(api.get("/health/ready", null).status()).as("ready at start, %s", capacity()).isEqualTo(200);
        List<WsClient> open = new ArrayList<>();
        try {
            while (true) {
                assertThat(open.size()).as("sockets open without reaching the heap ceiling, %s", capacity())
                        .isLessThan(MOST_SOCKETS);
                if (open.size() % BATCH == 0) {
                    Jcmd.run(instance.pid(), "GC.run");
                }
                WsClient next = subscribedUnlessRefused(user, group);
                if (next == null) {
                    break;
                }
                open.add(next);
            }
            Api.Response ready = api.get("/health/ready", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("reasons").toString()).contains("\"heap-full\"").doesNotContain("connections-full");
            assertThat(SocketLimitsTest.upgradeStatus(api, user.accessToken())).as("an upgrade past the ceiling").isEqualTo(503);
            assertThat(api.get("/health/live", null).status()).isEqualTo(200);
            assertThat(api.get("/api/groups/" + group + "/messages", user.accessToken()).status()).isEqualTo(200);
            for (WsClient ws : List.of(open.getFirst(), open.getLast())) {
                ws.send(Map.of("type", "ping"));
                assertThat(ws.awaitType("pong")).isNotNull();
            }

            open.subList(0, open.size() / 2).forEach(WsClient::close);
            open.subList(0, open.size() / 2).clear();
            Await.until(WAIT, "ready again once half the sockets closed and a collection ran, " + capacity(), this::readyAfterGc);
            assertThat(SocketLimitsTest.upgradeStatus(api, user.accessToken())).isEqualTo(101);
        } finally {
            open.forEach(WsClient::close);
        }
    }

    /** Readiness right after a full collection, so that it reflects the sockets open now. */
    private boolean readyAfterGc() {
        Jcmd.run(instance.pid(), "GC.run");
        return api.get("/health/ready", null).status() == 200;
    }

    private static String capacity() {
        return "socketCapacity " + api.get("/health/detailed", null).json().path("socketCapacity");
    }

    /** A subscribed socket, or null when the upgrade was refused with 503; any other failure fails the test. */
    private static WsClient subscribedUnlessRefused(Session user, String group) {
        WsClient ws;
        try {
            ws = WsClient.authenticated(api, user.accessToken());
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused && refused.getResponse().statusCode() == 503) {
                return null;
            }
            throw e;
        }
        ws.send(Map.of("type", "subscribe", "groupId", group));
        ws.awaitType("subscribed");
        return ws;
    }
}
