package dev.chorus.realtime.internal;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * The idle timeout: every ping interval each socket gets a WebSocket ping (clients answer with a pong on their own,
 * browsers included), and a socket from which nothing at all (frame or pong) came for the idle timeout is closed
 * with 1001, so dead peers and half-open connections do not hold memory and quota slots forever. Sockets that never
 * authenticate are closed sooner, by the auth timeout.
 */
@Component
class SocketKeepAlive {

    static final CloseStatus IDLE = new CloseStatus(1001, "idle: no frame or pong");

    private final Connections connections;
    private final long idleNanos;

    SocketKeepAlive(Connections connections, @Value("${chorus.realtime.idle-timeout:PT75S}") Duration idleTimeout) {
        this.connections = connections;
        this.idleNanos = idleTimeout.toNanos();
    }

    @Scheduled(fixedDelayString = "${chorus.realtime.ping-interval:PT30S}")
    void sweep() {
        long now = System.nanoTime();
        for (ClientConnection connection : connections.all()) {
            if (now - connection.lastHeard() > idleNanos) {
                connection.close(IDLE);
            } else {
                // A ping may wait behind a frame being written; it must not hold up the sweep.
                Thread.ofVirtual().start(connection::ping);
            }
        }
    }
}
