package dev.chorus.ops;

import dev.chorus.system.RedisKeys;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Token buckets shared by every instance through Redis (Bucket4j's compare-and-swap buckets on Lettuce), so a limit
 * reached through one instance holds on all of them. A bucket allows {@code limit} calls per {@code period},
 * refilled gradually (greedily: one token every {@code period / limit}); its capacity, the burst a full bucket
 * admits at once, is the whole {@code limit} unless a smaller one is given. Idle buckets expire from Redis.
 */
@Component
public class RateLimiter implements DisposableBean {

    /** The outcome of one attempt: allowed, or refused with the whole seconds to wait before retrying. */
    public record Decision(boolean allowed, long retryAfterSeconds) {
    }

    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final StatefulConnection<String, byte[]> connection;
    private final ProxyManager<String> buckets;
    private final RedisKeys keys;
    private final MeterRegistry meters;

    RateLimiter(LettuceConnectionFactory factory, RedisKeys keys, MeterRegistry meters) {
        // A bucket is one key, so it works alike on one server and on a Redis Cluster; only the connection differs.
        AbstractRedisClient client = factory.getRequiredNativeClient();
        Bucket4jLettuce.LettuceBasedProxyManagerBuilder<String> builder;
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, byte[]> clustered = cluster.connect(CODEC);
            this.connection = clustered;
            builder = Bucket4jLettuce.casBasedBuilder(clustered);
        } else {
            StatefulRedisConnection<String, byte[]> single = ((RedisClient) client).connect(CODEC);
            this.connection = single;
            builder = Bucket4jLettuce.casBasedBuilder(single);
        }
        this.buckets = builder
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(30)))
                .build();
        this.keys = keys;
        this.meters = meters;
    }

    /** Takes one token from the bucket {@code kind:id}; a limit of 0 or less means unlimited. */
    public Decision tryAcquire(String kind, String id, int limit, Duration period) {
        return tryAcquire(kind, id, limit, period, limit);
    }

    /**
     * As {@link #tryAcquire(String, String, int, Duration)}, with a bucket that holds only {@code burst} tokens: a
     * caller who was quiet gets at most {@code burst} calls at once, then one every {@code period / limit}.
     */
    public Decision tryAcquire(String kind, String id, int limit, Duration period, int burst) {
        if (limit <= 0) {
            return new Decision(true, 0);
        }
        int capacity = Math.max(1, Math.min(burst, limit));
        BucketConfiguration config = BucketConfiguration.builder()
                .addLimit(b -> b.capacity(capacity).refillGreedy(limit, period))
                .build();
        ConsumptionProbe probe = buckets.builder()
                .build(keys.key("rl", kind, id), () -> config)
                .tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return new Decision(true, 0);
        }
        meters.counter("chorus.ratelimit.rejections", "limit", kind).increment();
        long seconds = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
        return new Decision(false, seconds);
    }

    @Override
    public void destroy() {
        connection.close();
    }
}
