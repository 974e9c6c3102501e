package dev.chorus.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.chorus.hostile.FrameCase.Socket;
import dev.chorus.hostile.HostileInputSuiteTest.CaseCounts;
import dev.chorus.support.WsClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import tools.jackson.databind.JsonNode;

/**
 * Runs the frame cases of one route. Cases on the shared sockets run one after another on the same connection (the
 * member's authenticated one, or one that has not authenticated yet), each followed by a ping that must be answered;
 * each batch ends with a real subscribe on that connection. Cases that must end in a close get a socket each.
 */
final class FrameRunner {

    static final Duration WAIT = HostileInputSuiteTest.WAIT;
    /** Frames the server sends on its own; SPEC §4 does not order them against the replies to a client's frames. */
    static final Set<String> UNSOLICITED = Set.of("presence", "message");

    private final Route route;
    private final Fixture fixture;
    private final WriteProbe writes;
    private final CaseCounts counts;
    /** The shared sockets of this route, opened by the first case that needs one. Only the test thread touches them. */
    private WsClient authenticated;
    private WsClient unauthenticated;

    FrameRunner(Route route, Fixture fixture, WriteProbe writes, CaseCounts counts) {
        this.route = route;
        this.fixture = fixture;
        this.writes = writes;
        this.counts = counts;
    }

    Stream<DynamicNode> batches(List<FrameCase> cases) {
        Map<String, List<FrameCase>> shared = group(cases, Socket.SHARED);
        Map<String, List<FrameCase>> own = group(cases, Socket.OWN);
        List<FrameCase> beforeAuth = cases.stream().filter(c -> c.socket() == Socket.SHARED_UNAUTHENTICATED).toList();
        return Stream.of(
                shared.entrySet().stream().map(b -> batch("authenticated socket: " + b.getKey(), b.getValue(), this::proveAuthenticatedSocket)),
                Stream.of(batch("socket not yet authenticated", beforeAuth, this::proveUnauthenticatedSocketCanStillAuthenticate)),
                own.entrySet().stream().map(b -> batch("a socket each: " + b.getKey(), b.getValue(), () -> { })),
                Stream.<DynamicNode>of(dynamicTest("(close the shared sockets)", this::close)))
                .flatMap(s -> s);
    }

    private static Map<String, List<FrameCase>> group(List<FrameCase> cases, Socket socket) {
        return cases.stream().filter(c -> c.socket() == socket)
                .collect(Collectors.groupingBy(FrameCase::frame, LinkedHashMap::new, Collectors.toList()));
    }

    private DynamicNode batch(String name, List<FrameCase> cases, Runnable proof) {
        WriteProbe.Keys[] before = new WriteProbe.Keys[1];
        Stream<DynamicNode> tests = Stream.of(
                Stream.<DynamicNode>of(dynamicTest("(Redis keys before)", () -> before[0] = writes.keys())),
                cases.stream().<DynamicNode>map(c -> dynamicTest(c.toString(), () -> run(c))),
                Stream.<DynamicNode>of(dynamicTest("no session, revocation or presence key written by this batch",
                        () -> assertThat(writes.keys()).isEqualTo(before[0]))),
                Stream.<DynamicNode>of(dynamicTest("the socket still works: a real subscribe", proof::run)))
                .flatMap(s -> s);
        return dynamicContainer(name, tests);
    }

    private void run(FrameCase c) {
        counts.add("WS " + c.frame(), route);
        WriteProbe.Rows before = writes.rows();
        switch (c.socket()) {
            case SHARED -> answeredAndStillOpen(authenticated(), c);
            case SHARED_UNAUTHENTICATED -> answeredAndStillOpen(unauthenticated(), c);
            case OWN -> closed(c);
        }
        assertThat(writes.rows()).as("rows after %s", c).isEqualTo(before);
    }

    private void answeredAndStillOpen(WsClient ws, FrameCase c) {
        c.action().accept(ws);
        JsonNode reply = reply(ws, c.toString());
        assertThat(reply.path("type").asString()).as("reply %s to %s", reply, c).isEqualTo(c.reply());
        if ("error".equals(c.reply())) {
            assertErrorFrame(reply, c.code(), c);
        }
        ws.send(Map.of("type", "ping"));
        assertThat(reply(ws, "the ping after " + c).path("type").asString()).as("a pong after %s", c).isEqualTo("pong");
    }

    private void closed(FrameCase c) {
        WsClient ws;
        try {
            ws = WsClient.connect(route.api(), c.queryToken());
        } catch (CompletionException e) {
            if (route.viaBalancer() && e.getCause() instanceof WebSocketHandshakeException refused
                    && refused.getResponse().statusCode() >= 400 && refused.getResponse().statusCode() < 500
                    && refused.getResponse().headers().firstValue("X-Instance-ID").isEmpty()) {
                counts.nginxAnsweredFrame(c.frame());
                return;
            }
            throw new AssertionError("the upgrade for " + c + " was refused: " + e.getCause(), e);
        }
        try (ws) {
            c.action().accept(ws);
            assertThat(ws.awaitClose(WAIT)).as("close code after %s", c).isEqualTo(c.closeCode());
            JsonNode first = ws.next(Duration.ZERO);
            if (c.code() != null) {
                assertThat(first).as("the error frame before the close, for %s", c).isNotNull();
                assertErrorFrame(first, c.code(), c);
                first = ws.next(Duration.ZERO);
            }
            assertThat(first).as("nothing else before the close, for %s", c).isNull();
        }
    }

    static void assertErrorFrame(JsonNode frame, String code, FrameCase c) {
        assertThat(frame.path("type").asString()).as("%s for %s", frame, c).isEqualTo("error");
        assertThat(frame.path("error").asString()).as("%s for %s", frame, c).isEqualTo(code);
        assertThat(frame.path("message").isString() && !frame.path("message").asString().isBlank())
                .as("a human message in %s", frame).isTrue();
        assertThat(HostileInputSuiteTest.fieldNames(frame)).as("the error shape of %s", frame).isEqualTo(Set.of("type", "error", "message"));
    }

    /** The first unread frame that is not one the server sends on its own; those stay unread. */
    static JsonNode reply(WsClient ws, String toWhat) {
        try {
            return ws.await(frame -> !UNSOLICITED.contains(frame.path("type").asString()), WAIT);
        } catch (AssertionError e) {
            throw new AssertionError("no reply to " + toWhat + ": " + e.getMessage(), e);
        }
    }

    // ---- the shared sockets and their proofs ----

    private WsClient authenticated() {
        if (authenticated == null || authenticated.isClosed()) {
            authenticated = WsClient.connect(route.api(), fixture.member().accessToken());
        }
        return authenticated;
    }

    private WsClient unauthenticated() {
        if (unauthenticated == null || unauthenticated.isClosed()) {
            unauthenticated = WsClient.connect(route.api(), null);
        }
        return unauthenticated;
    }

    /** Subscribes the authenticated socket to the proof group (and unsubscribes, so the next proof subscribes anew). */
    private void proveAuthenticatedSocket() {
        WsClient ws = authenticated;
        assertThat(ws).as("the shared socket").isNotNull();
        assertThat(ws.isClosed()).as("the shared socket is open").isFalse();
        subscribeAndLeave(ws);
    }

    private void proveUnauthenticatedSocketCanStillAuthenticate() {
        WsClient ws = unauthenticated;
        assertThat(ws).as("the socket not yet authenticated").isNotNull();
        ws.send(Map.of("type", "auth", "token", fixture.member().accessToken()));
        assertThat(reply(ws, "auth").path("type").asString()).isEqualTo("authenticated");
        subscribeAndLeave(ws);
    }

    private void subscribeAndLeave(WsClient ws) {
        ws.send(Map.of("type", "subscribe", "groupId", fixture.proofGroup()));
        JsonNode subscribed = reply(ws, "subscribe");
        assertThat(subscribed.path("type").asString()).as("%s", subscribed).isEqualTo("subscribed");
        assertThat(subscribed.path("groupId").asString()).isEqualTo(fixture.proofGroup());
        ws.send(Map.of("type", "unsubscribe", "groupId", fixture.proofGroup()));
        assertThat(reply(ws, "unsubscribe").path("type").asString()).isEqualTo("unsubscribed");
    }

    private void close() {
        for (WsClient ws : new WsClient[] {authenticated, unauthenticated}) {
            if (ws != null) {
                ws.close();
            }
        }
    }
}
