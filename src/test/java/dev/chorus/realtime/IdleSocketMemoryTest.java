package dev.chorus.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.bench.HeapHistogram;
import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.Jcmd;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 on a small scale: an instance process with a small heap and a low socket ceiling holds idle,
 * authenticated, subscribed sockets for at most 30 KB of live heap each, and past its ceiling refuses new upgrades
 * with 503 and says so on readiness, while the open sockets, the HTTP API and liveness keep working. The heap is
 * read from a class histogram (jcmd runs a full GC first), so the figure is the live objects, not GC timing.
 */
@Tag("process")
class IdleSocketMemoryTest {

    static final int SOCKETS = 300;
    static final long MAX_BYTES_PER_SOCKET = 30 * 1024;
    static TestCluster cluster;
    static ChorusProcess small;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        small = ChorusProcess.startWithHeap("small-heap", "128m", cluster.env("small-heap", Map.of(
                "WS_MAX_CONNECTIONS", Integer.toString(SOCKETS), "WS_MAX_SOCKETS_PER_USER", "1000",
                "RATE_LIMIT_PER_USER", "0", "RATE_LIMIT_PER_IP", "0")));
        api = small.api();
    }

    @AfterAll
    static void stop() {
        if (small != null) {
            small.close();
        }
        cluster.close();
    }

    @Test
    void idleSubscribedSocketsCostAtMostThirtyKilobytesEachAndTheCeilingRefusesTheNextOne() {
        Session user = api.newUser("idle");
        String group = api.createGroup(user.accessToken(), "idle");
        subscribed(user, group).close(); // the first socket loads classes and fills caches: not per-socket cost
        long before = liveHeap();
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < SOCKETS; i++) {
                open.add(subscribed(user, group));
            }
            long perSocket = (liveHeap() - before) / SOCKETS;
            assertThat(perSocket).as("live heap per idle subscribed socket, bytes").isLessThanOrEqualTo(MAX_BYTES_PER_SOCKET);

            assertThat(SocketLimitsTest.upgradeStatus(api, user.accessToken())).isEqualTo(503);
            Api.Response ready = api.get("/health/ready", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("reasons").toString()).isEqualTo("[\"connections-full\"]");
            assertThat(api.get("/health/live", null).status()).isEqualTo(200);
            assertThat(api.get("/api/groups/" + group + "/messages", user.accessToken()).status()).isEqualTo(200);
            open.getLast().send(Map.of("type", "ping"));
            assertThat(open.getLast().awaitType("pong")).isNotNull();
        } finally {
            open.forEach(WsClient::close);
        }
    }

    private static WsClient subscribed(Session user, String group) {
        WsClient ws = WsClient.connect(api, null);
        ws.send(Map.of("type", "auth", "token", user.accessToken()));
        ws.awaitType("authenticated");
        ws.send(Map.of("type", "subscribe", "groupId", group));
        ws.awaitType("subscribed");
        return ws;
    }

    /** Live heap of the instance after a full GC: the total of jcmd's class histogram. */
    private static long liveHeap() {
        return HeapHistogram.parse(Jcmd.run(small.pid(), "GC.class_histogram")).totalBytes();
    }
}
