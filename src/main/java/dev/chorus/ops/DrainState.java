package dev.chorus.ops;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The first thing to stop on shutdown: readiness turns 503 at once, then the instance keeps serving for the drain
 * delay so the balancer notices before the web server stops taking connections.
 * Life cycle: serving → draining (on stop) → the rest of the context shuts down gracefully.
 */
@Component
public class DrainState implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DrainState.class);

    private final Duration drainDelay;
    private volatile boolean running;
    private volatile boolean draining;

    DrainState(@Value("${chorus.shutdown.drain-delay:PT2S}") Duration drainDelay) {
        this.drainDelay = drainDelay;
    }

    public boolean isDraining() {
        return draining;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        draining = true;
        log.info("draining for {} before shutting down", drainDelay);
        try {
            Thread.sleep(drainDelay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
