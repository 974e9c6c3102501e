package dev.chorus.cluster;

import java.util.function.Consumer;

/**
 * Broadcast between instances over Redis pub/sub: one subscription per instance, whatever the number of
 * channels or listeners. Delivery is at most once and in publication order per channel; a message published
 * while an instance is disconnected from Redis is not seen by it, so listeners must tolerate gaps.
 */
public interface ClusterBus {

    /** Publishes without waiting for Redis to answer. */
    void publish(String channel, String payload);

    /**
     * Registers a listener for a channel. Listeners run on the Redis client's I/O thread, one message at a time in
     * order, so they must hand anything slow or blocking to another thread.
     */
    void listen(String channel, Consumer<String> listener);
}
