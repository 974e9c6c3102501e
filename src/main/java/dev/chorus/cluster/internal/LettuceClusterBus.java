package dev.chorus.cluster.internal;

import dev.chorus.cluster.ClusterBus;
import dev.chorus.system.RedisKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * {@link ClusterBus} on Lettuce's pub/sub connection directly: Spring's RedisMessageListenerContainer hands each
 * message to a task executor, which would lose the per-channel order that fan-out relies on. Lettuce calls us on
 * its I/O thread in arrival order and re-subscribes by itself after a reconnect.
 */
@Component
class LettuceClusterBus implements ClusterBus, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LettuceClusterBus.class);

    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final StatefulRedisConnection<String, String> publisher;
    private final RedisKeys keys;
    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();

    LettuceClusterBus(LettuceConnectionFactory factory, RedisKeys keys) {
        RedisClient client = (RedisClient) factory.getRequiredNativeClient();
        this.keys = keys;
        this.subscriber = client.connectPubSub();
        this.publisher = client.connect();
        this.subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                dispatch(channel, message);
            }
        });
    }

    @Override
    public void publish(String channel, String payload) {
        publisher.async().publish(keys.key("bus", channel), payload);
    }

    @Override
    public void listen(String channel, Consumer<String> listener) {
        String full = keys.key("bus", channel);
        listeners.computeIfAbsent(full, c -> {
            subscriber.sync().subscribe(c);
            return new CopyOnWriteArrayList<>();
        }).add(listener);
    }

    private void dispatch(String channel, String message) {
        for (Consumer<String> listener : listeners.getOrDefault(channel, List.of())) {
            try {
                listener.accept(message);
            } catch (RuntimeException e) {
                log.warn("bus listener on {} failed: {}", channel, e.toString());
            }
        }
    }

    @Override
    public void destroy() {
        subscriber.close();
        publisher.close();
    }
}
