package dev.chorus.chaos;

import dev.chorus.support.Api;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * A subscriber whose socket always goes to one instance (straight to its port, not through the balancer), so that
 * what it receives says whether that instance delivers. It subscribes to every group of the run and, whenever the
 * socket closes, connects to the same instance again (with a backoff: it may be down for a while) and resubscribes
 * with {@code afterSeq} = the highest seq it received. Everything it sees goes to its {@link SubscriberLog}.
 */
final class PinnedSubscriber implements WebSocket.Listener, AutoCloseable {

    private final HttpClient http;
    private final URI uri;
    private final String token;
    private final List<String> groups;
    private final SubscriberLog log;
    private final ScheduledExecutorService timer;
    /** The current socket; replaced (and cleared once, by {@link #ended}) under this. */
    private WebSocket socket;
    /** Groups whose {@code subscribed} came on the current socket; cleared with a new socket. */
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Only touched by this socket's listener calls, which the JDK client runs one at a time. */
    private final StringBuilder partial = new StringBuilder();
    private volatile long backoffMs = 100;

    PinnedSubscriber(HttpClient http, int port, String token, List<String> groups, SubscriberLog log,
            ScheduledExecutorService timer) {
        this.http = http;
        this.uri = URI.create("ws://127.0.0.1:" + port + "/ws");
        this.token = token;
        this.groups = groups;
        this.log = log;
        this.timer = timer;
    }

    SubscriberLog log() {
        return log;
    }

    /** Whether every group's subscription is live on the current socket. */
    boolean subscribedToAll() {
        return live.size() == groups.size();
    }

    void connect() {
        if (closed) {
            return;
        }
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, this)
                .thenCompose(ws -> {
                    synchronized (this) {
                        socket = ws;
                        live.clear();
                    }
                    CompletableFuture<WebSocket> frames = ws.sendText(json(Map.of("type", "auth", "token", token)), true);
                    for (String group : groups) {
                        Map<String, Object> subscribe = new LinkedHashMap<>();
                        subscribe.put("type", "subscribe");
                        subscribe.put("groupId", group);
                        subscribe.put("afterSeq", log.lastSeq(group));
                        frames = frames.thenCompose(w -> w.sendText(json(subscribe), true));
                    }
                    return frames;
                })
                .whenComplete((ws, error) -> {
                    if (error != null) {
                        WebSocket current = current();
                        if (current == null) {
                            lost(); // no socket at all: the instance refused or did not answer
                        } else {
                            ended(current);
                        }
                    }
                });
    }

    private synchronized WebSocket current() {
        return socket;
    }

    /** The socket is gone (closed, failed, or given up on): connect again, once per socket. */
    private void ended(WebSocket ws) {
        synchronized (this) {
            if (ws != socket) {
                return;
            }
            socket = null;
        }
        lost();
    }

    private void lost() {
        log.down(System.nanoTime());
        if (closed) {
            return;
        }
        long delay = backoffMs;
        backoffMs = Math.min(1000, backoffMs * 2);
        timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        long now = System.nanoTime();
        partial.append(data);
        if (last) {
            frame(Api.JSON.readTree(partial.toString()), now);
            partial.setLength(0);
        }
        ws.request(1);
        return null;
    }

    private void frame(JsonNode frame, long now) {
        switch (frame.path("type").asString()) {
            case "subscribed" -> {
                backoffMs = 100;
                live.add(frame.path("groupId").asString());
                log.subscribed(frame.path("groupId").asString(), frame.path("lastSeq").asLong(), now);
            }
            case "error" -> {
                // A subscription refused (the database or Redis unreachable just then): as a client would, start
                // again on a fresh socket rather than stay deaf to a group.
                if (live.size() < groups.size()) {
                    WebSocket ws = current();
                    if (ws != null) {
                        ws.abort();
                        ended(ws);
                    }
                }
            }
            case "message" -> log.received(frame.path("message").path("groupId").asString(),
                    frame.path("message").path("seq").asLong(), now);
            default -> { }
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        ended(ws);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        ended(ws);
    }

    private static String json(Object value) {
        return Api.JSON.writeValueAsString(value);
    }

    @Override
    public void close() {
        closed = true;
        WebSocket ws = current();
        if (ws != null) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> {
                ws.abort();
                return null;
            });
        }
    }
}
