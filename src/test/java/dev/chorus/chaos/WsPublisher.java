package dev.chorus.chaos;

import dev.chorus.support.Api;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
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
 * on every new socket, writes again a send left unanswered for {@link #RESEND_AFTER} (the server stores it once),
 * and reconnects through the balancer with a backoff after any close.
 */
final class WsPublisher implements WebSocket.Listener, AutoCloseable {

    static final Duration RESEND_AFTER = Duration.ofSeconds(5);

    /** A send waiting for its ack: its frame and when it was last written ({@link System#nanoTime()}). */
    private record Pending(String frame, long writtenAt) {
    }

    private final HttpClient http;
    private final URI uri;
    private final String token;
    private final SendLedger ledger;
    private final ScheduledExecutorService timer;
    private final Map<String, Pending> outbox = new ConcurrentHashMap<>();
    /** The socket frames go to, null while connecting; replaced and cleared under this. */
    private volatile WebSocket socket;
    private volatile boolean authenticated;
    private volatile boolean closed;
    /** The JDK client allows one send in flight per socket: frames are chained. Guarded by this. */
    private CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
    /** Only touched by this socket's listener calls, which the JDK client runs one at a time. */
    private final StringBuilder partial = new StringBuilder();
    /** Only touched by the timer thread and the connecting callbacks, one at a time. */
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
        timer.scheduleWithFixedDelay(this::resendStale, 1, 1, TimeUnit.SECONDS);
    }

    void send(String clientMessageId, String group, String content) {
        String frame = Api.JSON.writeValueAsString(Map.of("type", "send", "groupId", group, "content", content,
                "clientMessageId", clientMessageId));
        outbox.put(clientMessageId, new Pending(frame, System.nanoTime()));
        if (authenticated) {
            write(frame);
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
                chain = CompletableFuture.completedFuture(null);
            }
            write(Api.JSON.writeValueAsString(Map.of("type", "auth", "token", token)));
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

    private synchronized void write(String frame) {
        WebSocket ws = socket;
        if (ws == null) {
            return;
        }
        chain = chain.exceptionally(e -> null).thenCompose(ignored -> ws.sendText(frame, true));
    }

    private void resendStale() {
        if (!authenticated) {
            return;
        }
        long now = System.nanoTime();
        outbox.forEach((id, pending) -> {
            if (now - pending.writtenAt() > RESEND_AFTER.toNanos()) {
                outbox.replace(id, pending, new Pending(pending.frame(), now));
                write(pending.frame());
            }
        });
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            frame(Api.JSON.readTree(partial.toString()));
            partial.setLength(0);
        }
        ws.request(1);
        return null;
    }

    private void frame(JsonNode frame) {
        switch (frame.path("type").asString()) {
            case "authenticated" -> {
                authenticated = true;
                backoffMs = 250;
                long now = System.nanoTime();
                outbox.forEach((id, pending) -> {
                    outbox.replace(id, pending, new Pending(pending.frame(), now));
                    write(pending.frame());
                });
            }
            case "ack" -> {
                String id = frame.path("clientMessageId").asString();
                if (outbox.remove(id) != null) {
                    ledger.acknowledged(id, frame.path("seq").asLong(), System.nanoTime());
                }
            }
            case "error" -> {
                ledger.failed("ws error " + frame.path("error").asString(), 0);
                if (!authenticated) {
                    // the auth frame was refused (Redis unreachable for the session check): a fresh socket, later
                    WebSocket ws = socket;
                    if (ws != null) {
                        ws.abort();
                        ended(ws, "ws auth refused");
                    }
                }
            }
            default -> { }
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
        }
        authenticated = false;
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
