package dev.chorus.realtime.internal;

import dev.chorus.auth.CurrentUser;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * One client socket and its bounded send buffer.
 *
 * <p>Frames are queued without blocking and written by the connection's own virtual thread, the only thread that
 * writes to the socket. When the buffer is full the client is not keeping up: the buffer is dropped and the socket
 * closed with 1008, and whoever was delivering moves on, so one slow client delays nobody. (Spring's
 * ConcurrentWebSocketSessionDecorator bounds the buffer too, but writes on the delivering thread, which a slow
 * socket would then block.) A single write stuck longer than the write timeout aborts the connection.
 *
 * <p>Life cycle: open → authenticated → closing (a close was requested: no new frames are taken, those already
 * queued are written, then the close frame) → closed.
 */
final class ClientConnection {

    /** A frame waiting to be written; {@code createdAt} is set for message frames, to measure fan-out latency. */
    record Outbound(String json, Instant createdAt) {
    }

    private static final Outbound WAKE_UP = new Outbound("", null);
    private static final String TOMCAT_WRITE_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private final WebSocketSession session;
    private final BlockingQueue<Outbound> buffer;
    private final Set<UUID> groups = ConcurrentHashMap.newKeySet();
    private final Connections connections;
    private final Thread writer;
    private volatile CurrentUser user;
    private volatile CloseStatus closing;

    ClientConnection(WebSocketSession session, int bufferFrames, Duration writeTimeout, Connections connections) {
        this.session = session;
        this.buffer = new ArrayBlockingQueue<>(bufferFrames + 1);
        this.connections = connections;
        if (session instanceof NativeWebSocketSession nativeSession
                && nativeSession.getNativeSession() instanceof jakarta.websocket.Session jakartaSession) {
            jakartaSession.getUserProperties().put(TOMCAT_WRITE_TIMEOUT, writeTimeout.toMillis());
        }
        this.writer = Thread.ofVirtual().name("ws-send-" + session.getId()).start(this::writeLoop);
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

    boolean isOpen() {
        return closing == null && session.isOpen();
    }

    /** Queues a frame without blocking; a full buffer closes the socket with 1008. */
    void send(String json) {
        send(new Outbound(json, null));
    }

    void send(Outbound frame) {
        if (closing != null) {
            return;
        }
        if (buffer.remainingCapacity() <= 1 || !buffer.offer(frame)) {
            tooSlow();
        }
    }

    /** Queues a frame, waiting up to {@code wait} for room (history replay); false if the socket is closing. */
    boolean sendPatiently(Outbound frame, Duration wait) throws InterruptedException {
        if (closing != null) {
            return false;
        }
        if (!buffer.offer(frame, wait.toNanos(), TimeUnit.NANOSECONDS)) {
            tooSlow();
            return false;
        }
        return true;
    }

    /** Writes what is already queued, then closes with this status. */
    void close(CloseStatus status) {
        if (closing == null) {
            closing = status;
            buffer.offer(WAKE_UP);
        }
    }

    /** Closes at once, from whatever thread; used once the socket is already gone or must go now. */
    void closeNow(CloseStatus status) {
        closing = status;
        writer.interrupt();
        try {
            session.close(status);
        } catch (IOException | RuntimeException e) {
            // already gone
        }
    }

    private void tooSlow() {
        if (closing == null) {
            connections.slowConsumerDropped();
        }
        buffer.clear();
        close(CloseStatus.POLICY_VIOLATION.withReason("too slow: send buffer full"));
    }

    private void writeLoop() {
        try {
            while (session.isOpen()) {
                Outbound frame = buffer.poll(1, TimeUnit.SECONDS);
                if (frame != null && frame != WAKE_UP) {
                    session.sendMessage(new TextMessage(frame.json()));
                    connections.written(frame);
                } else if (closing != null && buffer.isEmpty()) {
                    session.close(closing);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            closeNow(CloseStatus.SESSION_NOT_RELIABLE);
        }
    }
}
