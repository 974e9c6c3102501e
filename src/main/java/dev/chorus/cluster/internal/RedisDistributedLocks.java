package dev.chorus.cluster.internal;

import dev.chorus.cluster.DistributedLocks;
import dev.chorus.cluster.HeldLock;
import dev.chorus.cluster.LockInfo;
import dev.chorus.system.InstanceInfo;
import dev.chorus.system.RedisKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Locks as Redis keys {@code lock:<name>} whose value is {@code <holder>|<token>|<acquired millis>}, set with
 * NX and an expiry. Renewal and release are Lua scripts that act only when the value is still the caller's, so a
 * holder whose lock expired and was taken by another cannot extend or delete the new holder's lock. The sorted set
 * {@code lock-names} names the locks taken or renewed within the last {@link #LISTED_FOR} (score: when), for
 * {@link #held()}: a SCAN for {@code lock:*} would have to visit every node of a Redis Cluster.
 *
 * <p>Written by hand rather than with Spring Integration's RedisLockRegistry: that registry offers neither a
 * listing of held locks with holder and expiry (for /admin/locks) nor a release check by token across processes.
 */
@Component
class RedisDistributedLocks implements DistributedLocks, DisposableBean {

    private static final RedisScript<Long> RENEW = RedisScript.of("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0
            """, Long.class);
    private static final RedisScript<Long> RELEASE = RedisScript.of("""
            local v = redis.call('GET', KEYS[1])
            if v and string.find(v, '|' .. ARGV[1] .. '|', 1, true) then return redis.call('DEL', KEYS[1]) end
            return 0
            """, Long.class);

    /** How long a lock's name stays listed after it was last taken or renewed; far longer than any lock's TTL. */
    static final Duration LISTED_FOR = Duration.ofHours(1);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final InstanceInfo instance;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());

    RedisDistributedLocks(StringRedisTemplate redis, RedisKeys keys, InstanceInfo instance, MeterRegistry meters, Clock clock) {
        this.redis = redis;
        this.keys = keys;
        this.instance = instance;
        this.meters = meters;
        this.clock = clock;
    }

    @Override
    public Optional<HeldLock> tryAcquire(String name, Duration ttl) {
        String token = UUID.randomUUID().toString();
        String value = instance.instanceId() + "|" + token + "|" + clock.millis();
        Boolean acquired = redis.opsForValue().setIfAbsent(key(name), value, ttl);
        if (!Boolean.TRUE.equals(acquired)) {
            meters.counter("chorus.locks.acquisitions", "name", name, "outcome", "contended").increment();
            meters.counter("chorus.locks.contention", "name", name).increment();
            return Optional.empty();
        }
        meters.counter("chorus.locks.acquisitions", "name", name, "outcome", "acquired").increment();
        list(name);
        return Optional.of(new RedisHeldLock(name, token, value, ttl));
    }

    @Override
    public boolean release(String name, String ownerToken) {
        Long deleted = redis.execute(RELEASE, List.of(key(name)), ownerToken);
        return deleted != null && deleted > 0;
    }

    @Override
    public List<LockInfo> held() {
        List<LockInfo> locks = new ArrayList<>();
        redis.opsForZSet().removeRangeByScore(namesKey(), Double.NEGATIVE_INFINITY, clock.millis() - LISTED_FOR.toMillis());
        Set<String> names = redis.opsForZSet().range(namesKey(), 0, -1);
        for (String name : names == null ? Set.<String>of() : names) {
            String value = redis.opsForValue().get(key(name));
            Long ttl = redis.getExpire(key(name), TimeUnit.MILLISECONDS);
            if (value != null && ttl != null && ttl > 0) {
                String[] parts = value.split("\\|");
                locks.add(new LockInfo(name, parts[0], Instant.ofEpochMilli(Long.parseLong(parts[2])), clock.instant().plusMillis(ttl)));
            }
        }
        return locks;
    }

    private void list(String name) {
        redis.opsForZSet().add(namesKey(), name, clock.millis());
    }

    private String namesKey() {
        return keys.key("lock-names");
    }

    @Override
    public void destroy() {
        renewer.shutdownNow();
    }

    private String key(String name) {
        return keys.key("lock", name);
    }

    /** A held lock, renewed every third of its TTL until closed or lost. */
    private final class RedisHeldLock implements HeldLock {
        private final String name;
        private final String token;
        private final String value;
        private final Duration ttl;
        private final ScheduledFuture<?> renewal;
        private volatile boolean held = true;

        RedisHeldLock(String name, String token, String value, Duration ttl) {
            this.name = name;
            this.token = token;
            this.value = value;
            this.ttl = ttl;
            long every = Math.max(50, ttl.toMillis() / 3);
            this.renewal = renewer.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
        }

        private void renew() {
            try {
                Long ok = redis.execute(RENEW, List.of(key(name)), value, Long.toString(ttl.toMillis()));
                if (ok == null || ok == 0) {
                    lost();
                } else {
                    list(name);
                }
            } catch (RuntimeException e) {
                // Redis unreachable: keep trying until the TTL would have run out
            }
        }

        private void lost() {
            held = false;
            renewal.cancel(false);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String ownerToken() {
            return token;
        }

        @Override
        public boolean isHeld() {
            return held;
        }

        @Override
        public void close() {
            if (held) {
                lost();
                release(name, token);
            }
        }
    }
}
