package dev.chorus.cluster.internal;

import dev.chorus.cluster.ClusterProperties;
import dev.chorus.cluster.ConfigFingerprint;
import dev.chorus.cluster.InstanceRecord;
import dev.chorus.cluster.InstanceRegistry;
import dev.chorus.system.InstanceInfo;
import dev.chorus.system.RedisKeys;
import java.time.Clock;
import java.time.Instant;
import dev.chorus.ops.HealthDetailContributor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Lazy;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry of live instances in Redis: a sorted set {@code instances} scored by last heartbeat and a hash
 * {@code instance-info} holding each instance's record. An instance is live while its last heartbeat is younger
 * than the instance TTL; stale entries are pruned by whoever beats next. A graceful shutdown removes its own entry.
 */
@Component
public class RedisInstanceRegistry implements InstanceRegistry {

    private static final Logger log = LoggerFactory.getLogger(RedisInstanceRegistry.class);
    private static final JsonMapper JSON = JsonMapper.builder().findAndAddModules().build();

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final InstanceInfo instance;
    private final List<ConfigFingerprint> fingerprints;
    private final ClusterProperties properties;
    private final Clock clock;
    private final List<HealthDetailContributor> statusContributors;

    RedisInstanceRegistry(StringRedisTemplate redis, RedisKeys keys, InstanceInfo instance,
            List<ConfigFingerprint> fingerprints, ClusterProperties properties, Clock clock,
            @Lazy List<HealthDetailContributor> statusContributors) {
        this.redis = redis;
        this.keys = keys;
        this.instance = instance;
        this.fingerprints = fingerprints;
        this.properties = properties;
        this.clock = clock;
        this.statusContributors = statusContributors;
    }

    public Map<String, String> ownFingerprints() {
        Map<String, String> own = new TreeMap<>();
        fingerprints.forEach(f -> own.put(f.name(), f.fingerprint()));
        return own;
    }

    @Scheduled(fixedRateString = "${chorus.cluster.heartbeat-interval:PT2S}")
    public void heartbeat() {
        Instant now = clock.instant();
        Map<String, Object> status = new HashMap<>();
        status.put("leader", false);
        status.put("websocketConnections", 0);
        statusContributors.forEach(c -> c.contribute(status));
        InstanceRecord self = new InstanceRecord(instance.instanceId(), instance.startedAt(), now, instance.version(),
                ownFingerprints(), Boolean.TRUE.equals(status.get("leader")),
                status.get("websocketConnections") instanceof Number n ? n.intValue() : 0, instance.build());
        try {
            redis.opsForHash().put(infoKey(), self.instanceId(), JSON.writeValueAsString(self));
            redis.opsForZSet().add(setKey(), self.instanceId(), now.toEpochMilli());
            prune(now);
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.toString());
        }
    }

    @Override
    public List<InstanceRecord> liveInstances() {
        long cutoff = clock.instant().minus(properties.instanceTtl()).toEpochMilli();
        Set<String> ids = redis.opsForZSet().rangeByScore(setKey(), cutoff, Double.POSITIVE_INFINITY);
        if (ids == null || ids.isEmpty()) {
            return List.of();
        }
        List<Object> raw = redis.opsForHash().multiGet(infoKey(), new ArrayList<>(ids));
        List<InstanceRecord> live = new ArrayList<>();
        for (Object json : raw) {
            if (json != null) {
                live.add(JSON.readValue(json.toString(), InstanceRecord.class));
            }
        }
        return live;
    }

    /** Leaves the registry at once, so peers stop counting this instance; called on graceful shutdown. */
    public void leave() {
        try {
            redis.opsForZSet().remove(setKey(), instance.instanceId());
            redis.opsForHash().delete(infoKey(), instance.instanceId());
        } catch (RuntimeException e) {
            log.warn("could not leave the registry: {}", e.toString());
        }
    }

    private void prune(Instant now) {
        long cutoff = now.minus(properties.instanceTtl().multipliedBy(3)).toEpochMilli();
        Set<String> stale = redis.opsForZSet().rangeByScore(setKey(), Double.NEGATIVE_INFINITY, cutoff);
        if (stale != null && !stale.isEmpty()) {
            redis.opsForZSet().remove(setKey(), stale.toArray());
            redis.opsForHash().delete(infoKey(), stale.toArray());
        }
    }

    private String setKey() {
        return keys.key("instances");
    }

    private String infoKey() {
        return keys.key("instance-info");
    }
}
