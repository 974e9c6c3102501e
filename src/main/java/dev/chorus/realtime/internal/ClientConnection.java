package dev.chorus.realtime.internal;

import dev.chorus.auth.CurrentUser;
import dev.chorus.groups.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * One client socket and its bounded send buffer.
 *
 * <p>Frames are queued without blocking and written by the connection's own virtual thread, the only thread that
 * writes to the socket. When the buffer is full the client is not keeping up: the socket is closed with 1008 and
 * whoever was delivering moves on, so one slow client delays nobody. (Spring's ConcurrentWebSocketSessionDecorator
 * bounds the buffer too, but writes on the delivering thread, which a slow socket would then block.)
 *
 * <p>Life cycle: open (unauthenticated) → authenticated → closed; closing is idempotent.
 */
final class ClientConnection {

    /** A frame waiting to be written; {@code message} is set for message frames, to measure fan-out latency. */
    record Outbound(String json, Message message) {
    }

    private final WebSocketSession session;
    private final BlockingQueue<Outbound> buffer;
    private final Set<UUID> groups = ConcurrentHashMap.newKeySet();
    private final BiConsumer<Outbound, ClientConnection> written;
    private volatile CurrentUser user;
    private volatile boolean closed;

    ClientConnection(WebSocketSession session, int bufferFrames, BiConsumer<Outbound, ClientConnection> written) {
        this.session = session;
        this.buffer = new ArrayBlockingQueue<>(bufferFrames);
        this.written = written;
        Thread.ofVirtual().name("ws-send-" + session.getId()).start(this::writeLoop);
    }

    String id() {
        return session.getId();
    }

    CurrentUser user() {
        return user;
    }

    void authenticate(CurrentUser user) {
        this.user = user;
    }

    boolean isAuthenticated() {
        return user != null;
    }

    Set<UUID> groups() {
        return groups;
    }

    /** Queues a frame without blocking; a full buffer closes the socket with 1008. */
    void send(String json) {
        send(new Outbound(json, null));
    }

    void send(Outbound frame) {
        if (closed) {
            return;
        }
        if (!buffer.offer(frame)) {
            closeAsync(CloseStatus.POLICY_VIOLATION.withReason("too slow: send buffer full"));
        }
    }

    /** Queues a frame, waiting up to {@code wait} for room (history replay); false if it could not. */
    boolean sendPatiently(Outbound frame, Duration wait) throws InterruptedException {
        if (closed) {
            return false;
        }
        if (!buffer.offer(frame, wait.toMillis(), TimeUnit.MILLISECONDS)) {
            closeAsync(CloseStatus.POLICY_VIOLATION.withReason("too slow: send buffer full"));
            return false;
        }
        return true;
    }

    boolean isOpen() {
        return !closed && session.isOpen();
    }

    /** Closes on another thread: closing sends a close frame, which must not block the caller on a stuck socket. */
    void closeAsync(CloseStatus status) {
        if (closed) {
            return;
        }
        closed = true;
        Thread.ofVirtual().start(() -> closeNow(status));
    }

    void closeNow(CloseStatus status) {
        closed = true;
        try {
            session.close(status);
        } catch (IOException | RuntimeException e) {
            // already gone
        }
    }

    private void writeLoop() {
        try {
            while (!closed || !buffer.isEmpty()) {
                Outbound frame = buffer.poll(1, TimeUnit.SECONDS);
                if (frame == null) {
                    continue;
                }
                if (!session.isOpen()) {
                    return;
                }
                session.sendMessage(new TextMessage(frame.json()));
                written.accept(frame, this);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            closeAsync(CloseStatus.SERVER_ERROR);
        }
    }
}
