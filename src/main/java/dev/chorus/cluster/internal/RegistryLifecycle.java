package dev.chorus.cluster.internal;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/** Joins the registry as soon as the instance starts and leaves it when it stops gracefully. */
@Component
class RegistryLifecycle implements SmartLifecycle {

    private final RedisInstanceRegistry registry;
    private volatile boolean running;

    RegistryLifecycle(RedisInstanceRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void start() {
        registry.heartbeat();
        running = true;
    }

    @Override
    public void stop() {
        registry.leave();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Joins before the leader election starts and leaves only after requests and sockets are finished. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
