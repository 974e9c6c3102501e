package dev.chorus.deploy;

import dev.chorus.support.Api;
import dev.chorus.support.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * A WebSocket client that behaves as SPEC §4 asks of real clients: subscribed to one group, and whenever its socket
 * closes (1012 on a graceful restart, or anything else) it reconnects through the same address and resubscribes
 * with {@code afterSeq} = the last seq it has. It keeps every seq it received, and notes gaps and duplicates. Like
 * Chorus's own clients it authenticates with a first {@code auth} frame, never with a token in the URL.
 */
final class ResumingSubscriber implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final URI uri;
    private final String token;
    private final String group;
    private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor();
    private final List<Long> seqs = new ArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private volatile WebSocket socket;
    private volatile boolean closed;

    private ResumingSubscriber(Api api, String token, String group) {
        this.uri = URI.create(api.base().replaceFirst("^http", "ws") + "/ws");
        this.token = token;
        this.group = group;
    }

    /** Connects, subscribes and waits until the subscription is live. */
    static ResumingSubscriber start(Api api, String token, String group) {
        ResumingSubscriber subscriber = new ResumingSubscriber(api, token, group);
        subscriber.connect();
        Await.until(Duration.ofSeconds(10), "a first subscription", subscriber::state, seen -> subscriber.subscriptions.get() >= 1);
        return subscriber;
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, new Listener())
                    .get(10, TimeUnit.SECONDS);
            // The server handles a socket's frames in order: the subscribe is handled once the socket is authenticated.
            socket.sendText(Api.JSON.writeValueAsString(Map.of("type", "auth", "token", token)), true).get(5, TimeUnit.SECONDS);
            Map<String, Object> subscribe = new LinkedHashMap<>();
            subscribe.put("type", "subscribe");
            subscribe.put("groupId", group);
            subscribe.put("afterSeq", lastSeq());
            socket.sendText(Api.JSON.writeValueAsString(subscribe), true).get(5, TimeUnit.SECONDS);
        } catch (Exception failed) {
            problems.add("connect failed: " + failed); // not a lost message: noted, then tried again
            reconnectSoon();
        }
    }

    private void reconnectSoon() {
        if (!closed) {
            reconnects.schedule(this::connect, 100, TimeUnit.MILLISECONDS);
        }
    }

    synchronized long lastSeq() {
        return seqs.isEmpty() ? 0 : seqs.getLast();
    }

    synchronized List<Long> seqs() {
        return List.copyOf(seqs);
    }

    /** Gaps and duplicates seen in the message stream (connection attempts that failed are listed too). */
    List<String> gapsAndDuplicates() {
        return problems.stream().filter(p -> !p.startsWith("connect failed")).toList();
    }

    List<Integer> closeCodes() {
        return List.copyOf(closeCodes);
    }

    int subscriptions() {
        return subscriptions.get();
    }

    /** Waits until the subscriber holds every seq up to {@code seq}. */
    void awaitSeq(long seq, Duration timeout) {
        Await.until(timeout, "a subscriber holding seq " + seq, this::state, seen -> lastSeq() >= seq);
    }

    /** What the subscriber has seen so far, for a wait that times out. */
    String state() {
        return "last seq " + lastSeq() + ", subscriptions " + subscriptions.get() + ", closes " + closeCodes + ", problems " + problems;
    }

    private synchronized void received(long seq) {
        long last = lastSeq();
        if (seq <= last) {
            problems.add("duplicate seq " + seq + " after " + last);
            return;
        }
        if (seq != last + 1) {
            problems.add("gap: seq " + seq + " after " + last);
        }
        seqs.add(seq);
    }

    @Override
    public void close() {
        closed = true;
        reconnects.shutdownNow();
        WebSocket s = socket;
        if (s != null) {
            s.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonNode frame = Api.JSON.readTree(partial.toString());
                partial.setLength(0);
                switch (frame.path("type").asString()) {
                    case "subscribed" -> subscriptions.incrementAndGet();
                    case "message" -> {
                        if (group.equals(frame.path("message").path("groupId").asString())) {
                            received(frame.path("message").path("seq").asLong());
                        }
                    }
                    case "error" -> problems.add("error frame " + frame);
                    default -> { }
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCodes.add(statusCode);
            reconnectSoon();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (!closed) {
                closeCodes.add(-1);
                reconnectSoon();
            }
        }
    }
}
