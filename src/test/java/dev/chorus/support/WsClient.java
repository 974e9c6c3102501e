package dev.chorus.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * A WebSocket test client (the JDK's) that keeps every frame it receives, in arrival order, until a test takes it.
 *
 * <p>SPEC §4 orders only some frames: {@code subscribed} before any message of its group, and one group's messages
 * in seq order. An {@code ack} and the live {@code message} of the same send, presence and anything else, frames of
 * different groups: any order. So tests take frames by what they are ({@link #await}, {@link #awaitAll}), never by
 * position; a frame skipped while waiting for another stays unread for the next wait.
 */
public final class WsClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Received and not yet taken, in arrival order. Guarded by {@code this}. */
    private final List<JsonNode> unread = new ArrayList<>();
    /** How many frames arrived in all. Guarded by {@code this}. */
    private int received;
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;

    private WsClient(String url, HttpClient http) {
        this.socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(url), new Listener()).join();
    }

    /**
     * Connects as Chorus's own clients do: no token in the URL (it would end up in logs), then a first {@code auth}
     * frame; returns once the server answered {@code authenticated} (that frame is taken).
     */
    public static WsClient authenticated(Api api, String token) {
        WsClient client = connect(api, null);
        try {
            client.send(Map.of("type", "auth", "token", token));
            client.awaitType("authenticated");
            return client;
        } catch (RuntimeException | AssertionError refused) {
            client.close();
            throw refused;
        }
    }

    /**
     * Connects with the token in the URL, {@code ?access_token=}, which SPEC §4 still accepts from third-party clients
     * (or without any token, when it is null). An https Api gives a wss socket, opened with that Api's HttpClient.
     */
    public static WsClient connect(Api api, String token) {
        String ws = api.base().replaceFirst("^http", "ws") + "/ws" + (token == null ? "" : "?access_token=" + token);
        return new WsClient(ws, api.base().startsWith("https:") ? api.client() : HTTP);
    }

    public void send(Map<String, Object> frame) {
        sendText(Api.JSON.writeValueAsString(frame));
    }

    public void sendText(String text) {
        socket.sendText(text, true).join();
    }

    /**
     * Takes the first unread frame that matches, waiting for one to arrive; frames that do not match stay unread.
     * Fails at the deadline, or as soon as the socket is closed with no match left, listing what is unread.
     */
    public JsonNode await(Predicate<JsonNode> match, Duration timeout) {
        return awaitAll(timeout, List.of(match)).getFirst();
    }

    public JsonNode awaitType(String type) {
        return awaitType(type, WAIT);
    }

    public JsonNode awaitType(String type, Duration timeout) {
        return await(ofType(type), timeout);
    }

    /**
     * Takes one frame for each predicate, in whatever order they arrive, and returns them in the order of the
     * predicates. Each frame goes to the first predicate it matches that still waits, so the predicates should not
     * overlap. Fails like {@link #await}, naming the predicates still unmatched.
     */
    @SafeVarargs
    public final List<JsonNode> awaitAll(Duration timeout, Predicate<JsonNode>... matches) {
        return awaitAll(timeout, List.of(matches));
    }

    public List<JsonNode> awaitAll(Duration timeout, List<Predicate<JsonNode>> matches) {
        Instant deadline = Instant.now().plus(timeout);
        synchronized (this) {
            while (true) {
                JsonNode[] found = match(matches);
                long missing = Stream.of(found).filter(Objects::isNull).count();
                if (missing == 0) {
                    List<JsonNode> taken = List.of(found);
                    unread.removeIf(frame -> taken.stream().anyMatch(t -> t == frame));
                    return taken;
                }
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0 || closeCode.isDone()) {
                    throw new AssertionError(missing + " of " + found.length + " awaited frames "
                            + (closeCode.isDone() ? "not there when the socket closed (code " + closeCode.join() + ")"
                                    : "not within " + timeout) + "; " + describeUnread());
                }
                waitUpTo(left);
            }
        }
    }

    /** For each predicate, the first unread frame it matches that no earlier predicate took, or null. Lock held. */
    private JsonNode[] match(List<Predicate<JsonNode>> matches) {
        JsonNode[] found = new JsonNode[matches.size()];
        int missing = found.length;
        for (int f = 0; f < unread.size() && missing > 0; f++) {
            for (int i = 0; i < found.length; i++) {
                if (found[i] == null && matches.get(i).test(unread.get(f))) {
                    found[i] = unread.get(f);
                    missing--;
                    break;
                }
            }
        }
        return found;
    }

    /** Takes the first unread frame of any kind, waiting up to the timeout; null if none arrives. */
    public synchronized JsonNode next(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (unread.isEmpty() && !closeCode.isDone()) {
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                return null;
            }
            waitUpTo(left);
        }
        return unread.isEmpty() ? null : unread.removeFirst();
    }

    /** The unread frames that match, left unread. */
    public synchronized List<JsonNode> unread(Predicate<JsonNode> match) {
        return unread.stream().filter(match).toList();
    }

    /**
     * Sends a ping and takes its pong. The server writes a socket's frames in order, so once the pong is here,
     * every frame the server wrote to this socket before it is here too: a marker for "nothing else came".
     */
    public void roundTrip() {
        send(Map.of("type", "ping"));
        awaitType("pong");
    }

    /** Collects the seqs of message frames of a group until {@code count} have arrived, waiting up to the timeout for each. */
    public List<Long> messageSeqs(String groupId, int count, Duration timeout) {
        List<Long> seqs = new ArrayList<>();
        while (seqs.size() < count) {
            JsonNode frame;
            try {
                frame = await(messageOf(groupId), timeout);
            } catch (AssertionError e) {
                throw new AssertionError("got " + seqs.size() + " of " + count + " messages of " + groupId + " (seqs "
                        + abbreviated(seqs) + "): " + e.getMessage(), e);
            }
            seqs.add(frame.path("message").path("seq").asLong());
        }
        return seqs;
    }

    /** Sends one binary frame (SPEC §4 frames are text: the server must refuse it). */
    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** Sends one text message split into these fragments (continuation frames). */
    public void sendFragments(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            socket.sendText(parts[i], i == parts.length - 1).join();
        }
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

    public static Predicate<JsonNode> ofType(String type) {
        return frame -> type.equals(frame.path("type").asString());
    }

    public static Predicate<JsonNode> messageOf(String groupId) {
        return frame -> "message".equals(frame.path("type").asString())
                && groupId.equals(frame.path("message").path("groupId").asString());
    }

    private void waitUpTo(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for frames");
        }
    }

    /** Called with the lock held. */
    private String describeUnread() {
        List<String> shown = unread.stream().limit(20).map(f -> {
            String text = f.toString();
            return text.length() > 300 ? text.substring(0, 300) + "..." : text;
        }).toList();
        return received + " frames received, " + unread.size() + " unread: " + shown + (unread.size() > 20 ? " ..." : "");
    }

    private static String abbreviated(List<Long> seqs) {
        return seqs.size() <= 20 ? seqs.toString()
                : seqs.subList(0, 10) + " ... " + seqs.subList(seqs.size() - 10, seqs.size());
    }

    private final class Listener implements WebSocket.Listener {
        /** Only touched by the JDK client's listener calls, which never overlap. */
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonNode frame = Api.JSON.readTree(partial.toString());
                partial.setLength(0);
                synchronized (WsClient.this) {
                    unread.add(frame);
                    received++;
                    WsClient.this.notifyAll();
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed(-1);
        }

        private void closed(int code) {
            synchronized (WsClient.this) {
                closeCode.complete(code);
                WsClient.this.notifyAll();
            }
        }
    }
}
