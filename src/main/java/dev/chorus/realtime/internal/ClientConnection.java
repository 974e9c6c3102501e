package dev.chorus.realtime.internal;

import dev.chorus.auth.AccessToken;
import dev.chorus.auth.CurrentUser;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;

/**
 * One client socket and its send buffer, bounded in bytes.
 *
 * <p>Frames are written with the container's asynchronous send, one at a time (the WebSocket API allows one
 * outstanding message per socket), and never block the thread that delivers them: a frame sent to an idle socket
 * is written at once on the caller's thread (a non-blocking write), one sent while another is being written waits in
 * the buffer, and whoever completes a write starts the next. So a delivery costs no thread hand-off and a socket
 * holds no thread of its own. When the buffer would pass its byte limit the client is not keeping up: the buffer is
 * dropped and the socket closed with 1008, and whoever was delivering moves on, so one slow client delays nobody.
 * A write that does not complete within the write timeout aborts the connection.
 *
 * <p>Life cycle: open → authenticated → closing (a close was requested: no new frames are taken, those already
 * queued are written, then the close frame) → closed.
 */
final class ClientConnection {

    private final WebSocketSession session;
    /** The container's asynchronous sender, or null for sessions that are not JSR-356 ones (then sends block). */
    private final RemoteEndpoint.Async async;
    private final long bufferLimit;
    private final Connections connections;
    private final Set<UUID> groups = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when buffer room frees up; for replays waiting patiently. */
    private final Condition room = lock.newCondition();
    /** Frames not yet handed to the container. Guarded by lock. */
    private final ArrayDeque<Outbound> buffer = new ArrayDeque<>(4);
    /** Sum of the weights in buffer. Guarded by lock. */
    private long buffered;
    /** Whether a write is outstanding (one thread owns the write loop meanwhile). Guarded by lock. */
    private boolean writing;
    /** The socket's current authority; replaced by an accepted auth frame. */
    private volatile AccessToken token;
    /** The socket's slot in the per-user quota (SocketQuota), once it holds one. */
    private volatile String slot;
    /** Only the container's reader for this socket touches it. */
    private final InboundMessage inbound = new InboundMessage();
    /** When a frame or pong last came from the client (System.nanoTime), for the idle timeout. */
    private volatile long lastHeard = System.nanoTime();
    /** Whether anything came from the client yet; set by the container's reader, read by the auth timeout. */
    private volatile boolean heardAny;
    /** The socket's place among those being admitted (PendingUpgrades) until it authenticates or closes; any thread. */
    private volatile PendingUpgrades.Permit admission;
    /** Set once when a close is requested; read by every sender. */
    private volatile CloseStatus closing;

    ClientConnection(WebSocketSession session, long bufferBytes, Duration writeTimeout, Connections connections) {
        this.session = session;
        this.bufferLimit = bufferBytes;
        this.connections = connections;
        RemoteEndpoint.Async remote = null;
        if (session instanceof NativeWebSocketSession nativeSession
                && nativeSession.getNativeSession() instanceof jakarta.websocket.Session jakartaSession) {
            remote = jakartaSession.getAsyncRemote();
            remote.setSendTimeout(writeTimeout.toMillis());
        }
        this.async = remote;
    }

    String id() {
        return session.getId();
    }

    CurrentUser user() {
        AccessToken current = token;
        return current == null ? null : current.user();
    }

    /** The access token the socket now acts with, or null before it authenticated. */
    AccessToken token() {
        return token;
    }

    void authenticate(AccessToken token) {
        this.token = token;
        admitted();
    }

    /** Holds this place among the sockets being admitted until {@link #admitted} (authenticated, or closed). */
    void admitting(PendingUpgrades.Permit permit) {
        permit.opened();
        this.admission = permit;
    }

    /** Gives back the socket's place among those being admitted, if it still holds one. */
    void admitted() {
        PendingUpgrades.Permit permit = admission;
        if (permit != null) {
            admission = null;
            permit.release();
        }
    }

    boolean isAuthenticated() {
        return token != null;
    }

    String slot() {
        return slot;
    }

    void slot(String slot) {
        this.slot = slot;
    }

    InboundMessage inbound() {
        return inbound;
    }

    void heard() {
        lastHeard = System.nanoTime();
        heardAny = true;
    }

    boolean heardAny() {
        return heardAny;
    }

    long lastHeard() {
        return lastHeard;
    }

    Set<UUID> groups() {
        return groups;
    }

    boolean isOpen() {
        return closing == null && session.isOpen();
    }

    /** Queues a frame without blocking; a full buffer closes the socket with 1008. */
    void send(String json) {
        send(Outbound.control(json));
    }

    void send(Outbound frame) {
        Outbound first;
        lock.lock();
        try {
            if (closing != null) {
                return;
            }
            if (buffered + frame.weight() > bufferLimit) {
                tooSlow();
                return;
            }
            first = enqueue(frame);
        } finally {
            lock.unlock();
        }
        if (first != null) {
            writeFrom(first);
        }
    }

    /** Queues a frame, waiting up to {@code wait} for room (history replay); false if the socket is closing. */
    boolean sendPatiently(Outbound frame, Duration wait) throws InterruptedException {
        Outbound first;
        lock.lock();
        try {
            long left = wait.toNanos();
            while (closing == null && buffered > 0 && buffered + frame.weight() > bufferLimit) {
                if (left <= 0) {
                    tooSlow();
                    return false;
                }
                left = room.awaitNanos(left);
            }
            if (closing != null) {
                return false;
            }
            first = enqueue(frame);
        } finally {
            lock.unlock();
        }
        if (first != null) {
            writeFrom(first);
        }
        return true;
    }

    /** Sends a WebSocket ping; a failure is left to the idle timeout, which notices the missing pong. */
    void ping() {
        if (closing != null || async == null) {
            return;
        }
        try {
            async.sendPing(java.nio.ByteBuffer.allocate(0));
        } catch (IOException | RuntimeException e) {
            // the next sweep tries again, or the idle timeout closes the socket
        }
    }

    /** Writes what is already queued, then closes with this status. */
    void close(CloseStatus status) {
        boolean idle;
        lock.lock();
        try {
            if (closing != null) {
                return;
            }
            closing = status;
            idle = !writing;
            room.signalAll();
        } finally {
            lock.unlock();
        }
        if (idle) {
            closeSession(status);
        }
    }

    /** Closes at once, from whatever thread; used once the socket is already gone or must go now. */
    void closeNow(CloseStatus status) {
        lock.lock();
        try {
            closing = status;
            buffer.clear();
            buffered = 0;
            room.signalAll();
        } finally {
            lock.unlock();
        }
        closeSession(status);
    }

    /** Adds the frame; returns it when the caller must start writing (nothing was being written). Holds lock. */
    private Outbound enqueue(Outbound frame) {
        if (!writing) {
            writing = true;
            return frame;
        }
        buffer.add(frame);
        buffered += frame.weight();
        return null;
    }

    /** Holds lock. */
    private void tooSlow() {
        if (closing == null) {
            connections.slowConsumerDropped();
            closing = CloseStatus.POLICY_VIOLATION.withReason("too slow: send buffer full");
        }
        buffer.clear();
        buffered = 0;
        room.signalAll();
        if (!writing) {
            Thread.ofVirtual().start(() -> closeSession(closing));
        }
    }

    /**
     * The write loop, run by the thread that found the socket idle, then by whichever thread completes each write.
     * A write that completes inside sendText (the data fitted the socket buffer) continues the loop here instead of
     * recursing; one that completes later continues it in its completion handler.
     */
    private void writeFrom(Outbound frame) {
        Outbound next = frame;
        while (next != null) {
            Completion completion = new Completion(next);
            if (!start(completion)) {
                return;
            }
            if (!completion.continueHere()) {
                return;
            }
            next = completion.ok ? written(next) : null;
        }
    }

    private boolean start(Completion completion) {
        if (async == null) {
            try {
                session.sendMessage(new TextMessage(completion.frame.json()));
                completion.onResult(new SendResult());
            } catch (IOException | RuntimeException e) {
                completion.onResult(new SendResult(e));
            }
            return true;
        }
        try {
            async.sendText(completion.frame.json(), completion);
            return true;
        } catch (RuntimeException e) {
            failed();
            return false;
        }
    }

    /** After a frame was written: the next one, or null when the buffer is empty (then a requested close runs). */
    private Outbound written(Outbound frame) {
        connections.written(frame);
        CloseStatus close;
        lock.lock();
        try {
            Outbound next = buffer.poll();
            if (next != null) {
                buffered -= next.weight();
                room.signalAll();
                return next;
            }
            writing = false;
            close = closing;
        } finally {
            lock.unlock();
        }
        if (close != null) {
            closeSession(close);
        }
        return null;
    }

    private void failed() {
        closeNow(CloseStatus.SESSION_NOT_RELIABLE);
    }

    private void closeSession(CloseStatus status) {
        try {
            session.close(status);
        } catch (IOException | RuntimeException e) {
            // already gone
        }
    }

    /** One frame's write; tells the write loop whether it completed before sendText returned. */
    private final class Completion implements jakarta.websocket.SendHandler {
        private final Outbound frame;
        /** Guarded by this: whether the result came, and whether the loop gave up waiting for it inline. */
        private boolean done;
        private boolean detached;
        private boolean ok;

        Completion(Outbound frame) {
            this.frame = frame;
        }

        /** Called by the loop after sendText returned: true when the write already completed (go on here). */
        synchronized boolean continueHere() {
            if (done) {
                return true;
            }
            detached = true;
            return false;
        }

        @Override
        public void onResult(SendResult result) {
            boolean later;
            synchronized (this) {
                done = true;
                ok = result.isOK();
                later = detached;
            }
            if (!ok) {
                failed();
                return;
            }
            if (later) {
                Outbound next = written(frame);
                if (next != null) {
                    writeFrom(next);
                }
            }
        }
    }
}
