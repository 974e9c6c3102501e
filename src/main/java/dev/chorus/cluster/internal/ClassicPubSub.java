package dev.chorus.cluster.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Collection;

/** PUBLISH and SUBSCRIBE on one Redis server (or the master the Sentinels name): every subscriber hears every channel. */
final class ClassicPubSub implements BusTransport {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> publisher;

    ClassicPubSub(RedisClient client) {
        this.client = client;
        this.publisher = client.connect();
    }

    @Override
    public void publish(String channel, String payload) {
        publisher.async().publish(channel, payload);
    }

    @Override
    public Subscription subscribe(RedisPubSubListener<String, String> listener, Collection<String> channels) {
        StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
        connection.addListener(listener);
        try {
            connection.sync().subscribe(channels.toArray(String[]::new));
        } catch (RuntimeException e) {
            connection.closeAsync();
            throw e;
        }
        return new Subscription() {
            @Override
            public void add(String channel) {
                connection.sync().subscribe(channel);
            }

            /** Never: Lettuce reconnects to the server, or asks the Sentinels for the master, by itself. */
            @Override
            public boolean moved() {
                return false;
            }

            @Override
            public void close() {
                connection.closeAsync();
            }
        };
    }

    @Override
    public void close() {
        publisher.close();
    }
}
