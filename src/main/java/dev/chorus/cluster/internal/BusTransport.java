package dev.chorus.cluster.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.pubsub.RedisPubSubListener;
import java.util.Collection;

/**
 * How {@link LettuceClusterBus} reaches Redis: classic pub/sub on one server or behind Sentinels
 * ({@link ClassicPubSub}), sharded pub/sub on a Redis Cluster ({@link ShardedPubSub}). The bus's own logic (listeners,
 * the end-to-end probe, replacing a stalled subscription) is the same for both.
 */
interface BusTransport extends AutoCloseable {

    /** Publishes without waiting for Redis to answer. */
    void publish(String channel, String payload);

    /** A new subscriber connection, subscribed to these channels, handing what it hears to the listener. */
    Subscription subscribe(RedisPubSubListener<String, String> listener, Collection<String> channels);

    /**
     * Asks for a fresh view of where the channels live, without waiting: called while the bus is stalled, so that a
     * failover is seen before the next periodic refresh. Nothing to ask on one server or behind Sentinels.
     */
    default void refreshView() {
    }

    @Override
    void close();

    /** One subscriber connection. */
    interface Subscription {

        void add(String channel);

        /** Whether the client's view of the cluster names another node for these channels than the one subscribed to. */
        boolean moved();

        void close();
    }

    static BusTransport on(AbstractRedisClient client) {
        return client instanceof RedisClusterClient cluster ? new ShardedPubSub(cluster) : new ClassicPubSub((RedisClient) client);
    }
}
