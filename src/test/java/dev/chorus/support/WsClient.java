package dev.chorus.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/** A WebSocket test client (the JDK's) that records every frame it receives and how the socket closed. */
public final class WsClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;

    private WsClient(String url) {
        this.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(url), new Listener()).join();
    }

    /** Connects with {@code ?access_token=} (or without, when token is null). */
    public static WsClient connect(Api api, String token) {
        String ws = api.base().replaceFirst("^http", "ws") + "/ws" + (token == null ? "" : "?access_token=" + token);
        return new WsClient(ws);
    }

    public void send(Map<String, Object> frame) {
        sendText(Api.JSON.writeValueAsString(frame));
    }

    public void sendText(String text) {
        socket.sendText(text, true).join();
    }

    /** The next frame matching, skipping others (which stay unread for {@link #next}); fails after the timeout. */
    public JsonNode await(Predicate<JsonNode> match, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        List<JsonNode> skipped = new ArrayList<>();
        try {
            while (Instant.now().isBefore(deadline)) {
                JsonNode frame = frames.poll(Duration.between(Instant.now(), deadline).toMillis(), TimeUnit.MILLISECONDS);
                if (frame == null) {
                    break;
                }
                if (match.test(frame)) {
                    return frame;
                }
                skipped.add(frame);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("no matching frame within " + timeout + "; saw " + skipped);
    }

    public JsonNode awaitType(String type) {
        return await(f -> type.equals(f.path("type").asString()), Duration.ofSeconds(10));
    }

    /** The next frame of any kind, or null if none arrives within the timeout. */
    public JsonNode next(Duration timeout) {
        try {
            return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Collects the seqs of message frames of a group until {@code count} have arrived; fails after the timeout. */
    public List<Long> messageSeqs(String groupId, int count, Duration timeout) {
        List<Long> seqs = new ArrayList<>();
        while (seqs.size() < count) {
            JsonNode frame = await(f -> "message".equals(f.path("type").asString())
                    && groupId.equals(f.path("message").path("groupId").asString()), timeout);
            seqs.add(frame.path("message").path("seq").asLong());
        }
        return seqs;
    }

    /** The close code, once the server closed the socket. */
    public int awaitClose(Duration timeout) {
        return closeCode.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null);
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(Api.JSON.readTree(partial.toString()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.complete(-1);
        }
    }
}
