package dev.chorus.cluster.internal;

import dev.chorus.cluster.ClusterBus;
import dev.chorus.ops.ReadinessCheck;
import dev.chorus.system.InstanceInfo;
import dev.chorus.system.RedisKeys;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * {@link ClusterBus} on Lettuce's pub/sub connection directly (classic pub/sub on one server or behind Sentinels,
 * sharded pub/sub on a Redis Cluster: {@link BusTransport}): Spring's RedisMessageListenerContainer hands each
 * message to a task executor, which would lose the per-channel order that fan-out relies on. Lettuce calls us on
 * its I/O thread in arrival order and re-subscribes by itself after a reconnect it notices.
 *
 * <p>What it does not notice is a subscription that silently stops delivering while the connection looks open (a
 * half-open TCP connection, a proxy or failover that forgot the subscription). So the bus checks itself end to end:
 * every probe interval it publishes a probe on a channel of its own and expects to hear it back through its own
 * subscription. While a probe has been out for longer than the stall threshold with none heard back, readiness reports {@code bus-stalled}
 * (SPEC §5); once the stall has lasted twice that, the bus replaces its subscriber connection (at most once per
 * threshold) until probes flow again.
 */
@Component
class LettuceClusterBus implements ClusterBus, ReadinessCheck, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LettuceClusterBus.class);

    private final BusTransport transport;
    private final RedisKeys keys;
    private final String probeChannel;
    private final long stallNanos;
    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private final RedisPubSubAdapter<String, String> dispatcher = new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
            dispatch(channel, message);
        }

        @Override
        public void smessage(String shardChannel, String message) {
            dispatch(shardChannel, message);
        }
    };
    private final Counter reconnects;
    /** Replaced by resubscribe(); replacing and subscribing are guarded by this. */
    private volatile BusTransport.Subscription subscriber;
    /**
     * Since when (System.nanoTime) a probe has been out with none heard back, or 0 when none is out: set by the
     * probe's scheduler thread, cleared by the I/O thread on hearing one.
     */
    private volatile long awaitingSince;
    /** When the subscriber was last replaced; only the probe's scheduler thread touches it. */
    private long lastResubscribe;

    LettuceClusterBus(LettuceConnectionFactory factory, RedisKeys keys, InstanceInfo instance, MeterRegistry meters,
            @Value("${chorus.cluster.bus-stall-after:PT3S}") Duration stallAfter) {
        this.transport = BusTransport.on(factory.getRequiredNativeClient());
        this.keys = keys;
        this.probeChannel = channel("probe", instance.instanceId());
        this.stallNanos = stallAfter.toNanos();
        this.reconnects = Counter.builder("chorus.bus.resubscribes")
                .description("pub/sub connections replaced because the bus stopped delivering").register(meters);
        Gauge.builder("chorus.bus.stalled", this, bus -> bus.stalled(System.nanoTime()) ? 1 : 0)
                .description("1 while this instance's own fan-out is not delivering (readiness says bus-stalled)").register(meters);
        listeners.put(probeChannel, new CopyOnWriteArrayList<>(List.of(probe -> awaitingSince = 0)));
        this.subscriber = transport.subscribe(dispatcher, List.of(probeChannel));
        this.lastResubscribe = System.nanoTime();
    }

    @Override
    public void publish(String channel, String payload) {
        transport.publish(channel(channel), payload);
    }

    @Override
    public synchronized void listen(String channel, Consumer<String> listener) {
        listeners.computeIfAbsent(channel(channel), c -> {
            subscriber.add(c);
            return new CopyOnWriteArrayList<>();
        }).add(listener);
    }

    @Override
    public Optional<String> problem() {
        return stalled(System.nanoTime()) ? Optional.of("bus-stalled") : Optional.empty();
    }

    /**
     * Sends the next probe; replaces the subscriber connection when the bus has been stalled long enough, or at once
     * when the client's view of a Redis Cluster says another master now serves the bus (a failover, a slot moved).
     */
    @Scheduled(fixedDelayString = "${chorus.cluster.bus-probe-interval:PT1S}")
    void probe() {
        long now = System.nanoTime();
        // Replace the subscription once the stall has lasted twice the threshold: readiness has said bus-stalled for a
        // while by then (balancers have moved new clients away), and a slow Redis had time to answer on its own.
        long since = awaitingSince;
        if (stalled(now)) {
            transport.refreshView();
        }
        boolean stalledLong = since != 0 && now - since > 2 * stallNanos;
        if ((stalledLong || subscriber.moved()) && now - lastResubscribe > stallNanos) {
            lastResubscribe = now;
            resubscribe(stalledLong ? "the cluster bus has delivered nothing for " + (now - since) / 1_000_000 + " ms"
                    : "another Redis Cluster master serves the cluster bus now");
        }
        if (awaitingSince == 0) {
            awaitingSince = now;
        }
        transport.publish(probeChannel, Long.toString(now));
    }

    private boolean stalled(long now) {
        long since = awaitingSince;
        return since != 0 && now - since > stallNanos;
    }

    private synchronized void resubscribe(String why) {
        log.warn("{}: replacing its subscription", why);
        BusTransport.Subscription fresh;
        try {
            fresh = transport.subscribe(dispatcher, List.copyOf(listeners.keySet()));
        } catch (RuntimeException e) {
            log.warn("the cluster bus could not subscribe again: {}", e.toString());
            return;
        }
        BusTransport.Subscription old = subscriber;
        subscriber = fresh;
        old.close();
        reconnects.increment();
    }

    /** Every channel carries the same tag: on a Redis Cluster the whole bus is one hash slot (see ShardedPubSub). */
    private String channel(String... parts) {
        return keys.key(keys.tag("bus"), String.join(":", parts));
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
        transport.close();
    }
}
