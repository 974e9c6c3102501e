package dev.chorus.cluster.internal;

import dev.chorus.cluster.ClusterBus;
import dev.chorus.cluster.ClusterProperties;
import dev.chorus.cluster.Leadership;
import dev.chorus.cluster.LeadershipGranted;
import dev.chorus.cluster.LeadershipRevoked;
import dev.chorus.ops.HealthDetailContributor;
import dev.chorus.system.InstanceInfo;
import dev.chorus.system.RedisKeys;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Leader election on a Redis lease with a fencing token.
 *
 * <p>Life cycle of this instance: follower → (acquire: SET NX PX succeeded, INCR of the epoch gives the fencing
 * token) leader → (renew every interval while the lease still names us) leader … → follower when a renewal finds
 * the lease gone or someone else's, or on shutdown, when the lease is deleted (only if still ours) and a
 * {@code leader-released} notice lets the others try at once. A leader that dies without warning is replaced
 * once its lease expires: lease TTL plus one renew interval.
 *
 * <p>Written by hand: Spring Integration's LockRegistryLeaderInitiator elects a leader but offers no fencing
 * token, and the whole mechanism is two short Lua scripts.
 */
@Component
class RedisLeaseLeaderElection implements Leadership, SmartLifecycle, HealthDetailContributor {

    private static final Logger log = LoggerFactory.getLogger(RedisLeaseLeaderElection.class);
    private static final String RELEASED = "leader-released";

    private static final RedisScript<Long> ACQUIRE = RedisScript.of("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
            local token = redis.call('INCR', KEYS[2])
            redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
            return token
            """, Long.class);
    private static final RedisScript<Long> RENEW = RedisScript.of("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0
            """, Long.class);
    private static final RedisScript<Long> RELEASE = RedisScript.of("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """, Long.class);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final InstanceInfo instance;
    private final ClusterProperties properties;
    private final ApplicationEventPublisher events;
    private final ClusterBus bus;
    private volatile long token = -1;
    private volatile boolean running;

    RedisLeaseLeaderElection(StringRedisTemplate redis, RedisKeys keys, InstanceInfo instance, ClusterProperties properties,
            ApplicationEventPublisher events, ClusterBus bus, MeterRegistry meters) {
        this.redis = redis;
        this.keys = keys;
        this.instance = instance;
        this.properties = properties;
        this.events = events;
        this.bus = bus;
        Gauge.builder("chorus.leader", this, e -> e.isLeader() ? 1 : 0).description("1 while this instance leads").register(meters);
    }

    @Override
    public boolean isLeader() {
        return token > 0;
    }

    @Override
    public OptionalLong fencingToken() {
        long t = token;
        return t > 0 ? OptionalLong.of(t) : OptionalLong.empty();
    }

    @Override
    public void start() {
        running = true;
        bus.listen(RELEASED, released -> Thread.ofVirtual().start(this::tick));
        tick();
    }

    @Scheduled(fixedRateString = "${chorus.cluster.leader-renew-interval:PT1S}")
    public synchronized void tick() {
        if (!running) {
            return;
        }
        try {
            if (isLeader()) {
                renew();
            } else {
                tryAcquire();
            }
        } catch (RuntimeException e) {
            log.warn("leader lease check failed: {}", e.toString());
            if (isLeader()) {
                lose();
            }
        }
    }

    private void tryAcquire() {
        Long acquired = redis.execute(ACQUIRE, List.of(leaseKey(), epochKey()), instance.instanceId(), ttlMillis());
        if (acquired != null && acquired > 0) {
            token = acquired;
            log.info("became leader with fencing token {}", acquired);
            events.publishEvent(new LeadershipGranted(instance.instanceId(), acquired));
        }
    }

    private void renew() {
        Long renewed = redis.execute(RENEW, List.of(leaseKey()), leaseValue(), ttlMillis());
        if (renewed == null || renewed == 0) {
            lose();
        }
    }

    private void lose() {
        long old = token;
        token = -1;
        log.warn("lost leadership (fencing token {})", old);
        events.publishEvent(new LeadershipRevoked(instance.instanceId(), old));
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (isLeader()) {
            long old = token;
            try {
                redis.execute(RELEASE, List.of(leaseKey()), leaseValue());
                bus.publish(RELEASED, instance.instanceId());
            } catch (RuntimeException e) {
                log.warn("could not hand the lease off: {}", e.toString());
            }
            token = -1;
            events.publishEvent(new LeadershipRevoked(instance.instanceId(), old));
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops after sockets are closed and before the registry entry goes. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 100;
    }

    @Override
    public void contribute(Map<String, Object> details) {
        details.put("leader", isLeader());
        fencingToken().ifPresent(t -> details.put("fencingToken", t));
    }

    private String leaseValue() {
        return instance.instanceId() + "|" + token;
    }

    private String ttlMillis() {
        return Long.toString(properties.leaderLease().toMillis());
    }

    /** The lease and the epoch go together in ACQUIRE: one hash slot on a Redis Cluster. */
    private String leaseKey() {
        return keys.key(keys.tag("leader"));
    }

    private String epochKey() {
        return keys.key(keys.tag("leader") + "-epoch");
    }
}
