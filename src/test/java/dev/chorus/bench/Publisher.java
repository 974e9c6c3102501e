package dev.chorus.bench;

import java.net.http.WebSocket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A publishing socket. The JDK client allows one send in flight per socket, so sends are chained here and wait
 * their turn in this client: {@link #queued()} is that backlog, and the latency clock of a message starts when it
 * joins the queue, so a server that does not keep up shows in the latencies too. Acks are counted for the step named
 * in their clientMessageId ({@code <run>-<step>-<n>}) and the group they name.
 */
final class Publisher implements WebSocket.Listener {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Steps steps;
    private final Map<String, Integer> groupIndex;
    /** Set once, before the first send. */
    private volatile WebSocket socket;
    /** Guarded by this. */
    private CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
    /** Incremented by the publishing thread, decremented when a send completes. */
    private final AtomicLong queued = new AtomicLong();
    /** Only accessed by this socket's listener calls, which the JDK client runs one at a time. */
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean closed = new AtomicBoolean();

    Publisher(Steps steps, Map<String, Integer> groupIndex) {
        this.steps = steps;
        this.groupIndex = groupIndex;
    }

    void attach(WebSocket ws) {
        socket = ws;
    }

    WebSocket socket() {
        return socket;
    }

    long queued() {
        return queued.get();
    }

    /** Queues a frame behind the sends before it; a failed send leaves the message unacknowledged. */
    synchronized void send(String frame) {
        queued.incrementAndGet();
        chain = chain.exceptionally(e -> null)
                .thenCompose(ignored -> socket.sendText(frame, true))
                .whenComplete((ws, e) -> queued.decrementAndGet());
    }

    static String frame(String groupId, String content, String clientMessageId) {
        return "{\"type\":\"send\",\"groupId\":\"" + groupId + "\",\"content\":\"" + content
                + "\",\"clientMessageId\":\"" + clientMessageId + "\"}";
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            frame(partial.toString());
            partial.setLength(0);
        }
        ws.request(1);
        return null;
    }

    private void frame(String text) {
        if (text.contains("\"type\":\"ack\"")) {
            JsonNode ack = JSON.readTree(text);
            String[] id = ack.path("clientMessageId").asString().split("-");
            StepCounters step = id.length == 3 ? steps.get(Integer.parseInt(id[1])) : null;
            Integer group = groupIndex.get(ack.path("groupId").asString());
            if (step != null && group != null) {
                step.acked(group);
            }
        } else if (text.contains("\"type\":\"error\"")) {
            BenchLog.rarely("a send was refused: " + text);
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        lost("closed: " + code + (reason.isEmpty() ? "" : " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        lost("failed: " + error);
    }

    private void lost(String why) {
        if (closed.compareAndSet(false, true)) {
            steps.current().socketClosed();
            BenchLog.rarely("a publisher socket " + why);
        }
    }
}
