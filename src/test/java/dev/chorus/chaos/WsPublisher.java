package dev.chorus.chaos;

import dev.chorus.support.Api;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * A publisher over WebSocket that behaves as a real client (README, "what a client must do"): it authenticates with a
 * first {@code auth} frame, keeps each {@code send} in an outbox until its {@code ack}, writes the whole outbox again
 * on every new socket, and reconnects through the balancer with a backoff after any close. The server answers a
 * socket's frames in order, one {@code ack} or {@code error} per {@code send}, so an error names the oldest send not
 * yet answered: that one is written again a little later. A socket silent for {@link #SILENCE} while sends wait is
 * taken for dead (a half-open connection never says so) and replaced.
 */
final class WsPublisher implements WebSocket.Listener, AutoCloseable {

    static final Duration SILENCE = Duration.ofSeconds(10);
    private static final long RETRY_AFTER_ERROR_MS = 500;

    private final HttpClient http;
    private final URI uri;
    private final String token;
    private final SendLedger ledger;
    private final ScheduledExecutorService timer;
    /** Frames of sends waiting for their ack, by clientMessageId. */
    private final Map<String, String> outbox = new ConcurrentHashMap<>();
    /** The socket frames go to, null while connecting; replaced and cleared under this. */
    private volatile WebSocket socket;
    /** Sends written on the current socket and not yet answered, oldest first. Guarded by this. */
    private final Deque<String> unanswered = new ArrayDeque<>();
    private volatile boolean authenticated;
    private volatile boolean closed;
    /** When a frame last came on the current socket ({@link System#nanoTime()}). */
    private volatile long lastHeard = System.nanoTime();
    /** The JDK client allows one send in flight per socket: frames are chained. Guarded by this. */
    private CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
    /** Only touched by this socket's listener calls, which the JDK client runs one at a time. */
    private final StringBuilder partial = new StringBuilder();
    private volatile long backoffMs = 250;

    WsPublisher(HttpClient http, String balancer, String token, SendLedger ledger, ScheduledExecutorService timer) {
        this.http = http;
        this.uri = URI.create(balancer.replaceFirst("^http", "ws") + "/ws");
        this.token = token;
        this.ledger = ledger;
        this.timer = timer;
    }

    void start() {
        connect();
        timer.scheduleWithFixedDelay(this::checkSilence, 1, 1, TimeUnit.SECONDS);
    }

    void send(String clientMessageId, String group, String content) {
        String frame = Api.JSON.writeValueAsString(Map.of("type", "send", "groupId", group, "content", content,
                "clientMessageId", clientMessageId));
        outbox.put(clientMessageId, frame);
        if (authenticated) {
            writeSend(clientMessageId);
        }
    }

    /** Sends still waiting for their ack. */
    int unacknowledged() {
        return outbox.size();
    }

    private void connect() {
        if (closed) {
            return;
        }
        long started = System.nanoTime();
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, this).whenComplete((ws, error) -> {
            if (error != null) {
                ledger.failed("ws connect", (System.nanoTime() - started) / 1_000_000);
                reconnectLater();
                return;
            }
            synchronized (this) {
                socket = ws;
                unanswered.clear();
                chain = CompletableFuture.completedFuture(null);
                lastHeard = System.nanoTime();
            }
            write(ws, Api.JSON.writeValueAsString(Map.of("type", "auth", "token", token)));
        });
    }

    private void reconnectLater() {
        if (closed) {
            return;
        }
        long delay = backoffMs;
        backoffMs = Math.min(2000, backoffMs * 2);
        timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** Writes a send of the outbox on the current socket, noting that it awaits an answer there. */
    private synchronized void writeSend(String clientMessageId) {
        String frame = outbox.get(clientMessageId);
        WebSocket ws = socket;
        if (frame != null && ws != null) {
            unanswered.addLast(clientMessageId);
            write(ws, frame);
        }
    }

    private synchronized void write(WebSocket ws, String frame) {
        chain = chain.exceptionally(e -> null).thenCompose(ignored -> ws.sendText(frame, true));
    }

    private void checkSilence() {
        WebSocket ws = socket;
        boolean waiting;
        synchronized (this) {
            waiting = !unanswered.isEmpty();
        }
        if (ws != null && waiting && System.nanoTime() - lastHeard > SILENCE.toNanos()) {
            ws.abort();
            ended(ws, "ws silent");
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        lastHeard = System.nanoTime();
        partial.append(data);
        if (last) {
            frame(ws, Api.JSON.readTree(partial.toString()));
            partial.setLength(0);
        }
        ws.request(1);
        return null;
    }

    private void frame(WebSocket ws, JsonNode frame) {
        switch (frame.path("type").asString()) {
            case "authenticated" -> {
                authenticated = true;
                backoffMs = 250;
                outbox.keySet().forEach(this::writeSend);
            }
            case "ack" -> {
                String id = frame.path("clientMessageId").asString();
                synchronized (this) {
                    unanswered.removeFirstOccurrence(id);
                }
                if (outbox.remove(id) != null) {
                    ledger.acknowledged(id, frame.path("seq").asLong(), System.nanoTime());
                }
            }
            case "error" -> refused(ws, frame.path("error").asString());
            default -> { }
        }
    }

    /** An error frame: the refused auth (a fresh socket, later) or the oldest unanswered send (written again later). */
    private void refused(WebSocket ws, String code) {
        ledger.failed("ws error " + code, 0);
        if (!authenticated) {
            ws.abort();
            ended(ws, "ws auth refused");
            return;
        }
        String id;
        synchronized (this) {
            id = unanswered.pollFirst();
        }
        if (id != null) {
            timer.schedule(() -> {
                if (authenticated) {
                    writeSend(id);
                }
            }, RETRY_AFTER_ERROR_MS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        ended(ws, "ws closed " + code);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        ended(ws, "ws failed " + error.getClass().getSimpleName());
    }

    /** The socket is gone: connect again later, once per socket. */
    private void ended(WebSocket ws, String kind) {
        synchronized (this) {
            if (ws != socket) {
                return;
            }
            socket = null;
            authenticated = false;
        }
        if (!closed) {
            ledger.failed(kind, 0);
            reconnectLater();
        }
    }

    @Override
    public void close() {
        closed = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }
}
