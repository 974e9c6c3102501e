package dev.chorus.realtime.internal;

import java.time.Duration;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * On graceful shutdown, right after the drain period, closes every socket with 1012 (service restart) so clients
 * reconnect to another instance and resume with afterSeq. Frames already queued are written first; sockets still
 * open after a few seconds are closed at once.
 */
@Component
class SocketShutdown implements SmartLifecycle {

    private final Connections connections;
    private volatile boolean running;

    SocketShutdown(Connections connections) {
        this.connections = connections;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        connections.all().forEach(c -> c.close(CloseStatus.SERVICE_RESTARTED));
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (!connections.all().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        connections.all().forEach(c -> c.closeNow(CloseStatus.SERVICE_RESTARTED));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 50;
    }
}
