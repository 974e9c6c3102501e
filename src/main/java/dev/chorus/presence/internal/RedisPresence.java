package dev.chorus.presence.internal;

import dev.chorus.cluster.ClusterBus;
import dev.chorus.cluster.InstanceRecord;
import dev.chorus.cluster.Leadership;
import dev.chorus.cluster.InstanceRegistry;
import dev.chorus.presence.OnlineUser;
import dev.chorus.presence.Presence;
import dev.chorus.presence.PresenceChanged;
import dev.chorus.system.InstanceInfo;
import dev.chorus.system.RedisKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Presence in Redis. Per group and user, {@code presence:<group>:<user>} counts sockets per instance; the set
 * {@code presence:<group>} lists users with any socket; {@code presence-of:<instance>} remembers which
 * group/user pairs an instance holds, so the leader can take a dead instance's sockets away. Each change of a
 * group's two keys (one hash slot on a Redis Cluster: the group is their tag) runs as one Lua script that reports
 * whether the user's overall state flipped; only flips are broadcast.
 *
 * <p>The instance's index lives in another slot, so it is kept outside the script, as a superset of the truth: a
 * pair is added before its first socket is counted and removed only after its count reached zero, so a crash in
 * between leaves an extra pair (harmless: its count reads as none), never a missing one. This instance's changes
 * of one pair are serialised ({@link #stripes}), so a removal never follows a concurrent addition's count.
 *
 * <p>What keeps the shared view true after faults: an instance starting clears whatever an earlier process under the
 * same instance id left (a SIGKILLed instance started again before the leader saw it dead would otherwise keep its
 * ghosts for ever), and {@link #reconcile} repairs counts that a change lost while Redis was unreachable left wrong.
 */
@Component
class RedisPresence implements Presence {

    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);
    private static final String CHANNEL = "presence";

    // KEYS: user hash, group set. ARGV: instance, user, delta.
    // Returns {flip, count}: flip 1 online, -1 offline, 0 same; count, the instance's sockets left for the pair.
    private static final RedisScript<List> CHANGE = RedisScript.of("""
            local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
            if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
            local total = redis.call('HLEN', KEYS[1])
            if total == 0 then
              return {redis.call('SREM', KEYS[2], ARGV[2]) == 1 and -1 or 0, n}
            end
            return {redis.call('SADD', KEYS[2], ARGV[2]) == 1 and 1 or 0, n}
            """, List.class);
    private static final int STRIPES = 64;

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final InstanceInfo instance;
    private final ClusterBus bus;
    private final InstanceRegistry registry;
    private final Leadership leadership;
    /** Serialise the changes of one group/user pair made from this process (index by the pair's hash). */
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    /** Differences seen by the previous reconciliation (pair → sockets missing); only the reconciler's thread touches it. */
    private Map<String, Long> disagreed = Map.of();

    RedisPresence(StringRedisTemplate redis, RedisKeys keys, InstanceInfo instance, ClusterBus bus,
            InstanceRegistry registry, Leadership leadership, ApplicationEventPublisher events) {
        this.redis = redis;
        this.keys = keys;
        this.instance = instance;
        this.bus = bus;
        this.registry = registry;
        this.leadership = leadership;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
        bus.listen(CHANNEL, payload -> events.publishEvent(decode(payload)));
        // Before this instance takes any socket: nothing of a process that ran earlier under its id is true any more.
        try {
            clearInstance(instance.instanceId());
        } catch (RuntimeException e) {
            log.warn("could not clear the presence an earlier process left: {} (reconciliation will)", e.toString());
        }
    }

    @Override
    public void joined(UUID groupId, UUID userId) {
        change(instance.instanceId(), groupId, userId, 1);
    }

    @Override
    public void left(UUID groupId, UUID userId) {
        change(instance.instanceId(), groupId, userId, -1);
    }

    @Override
    public List<OnlineUser> online(UUID groupId) {
        Set<String> live = registry.liveInstances().stream().map(InstanceRecord::instanceId).collect(Collectors.toSet());
        Set<String> users = redis.opsForSet().members(groupKey(groupId.toString()));
        List<OnlineUser> online = new ArrayList<>();
        for (String user : users == null ? Set.<String>of() : users) {
            Map<Object, Object> perInstance = redis.opsForHash().entries(userKey(groupId.toString(), user));
            List<String> instances = perInstance.keySet().stream().map(Object::toString).filter(live::contains).sorted().toList();
            if (!instances.isEmpty()) {
                online.add(new OnlineUser(UUID.fromString(user), instances));
            }
        }
        return online;
    }

    @Override
    public void reconcile(Map<UUID, Map<UUID, Integer>> held) {
        String self = instance.instanceId();
        Map<String, Long> want = new HashMap<>();
        held.forEach((group, users) -> users.forEach((user, sockets) -> want.put(group + "|" + user, sockets.longValue())));
        Map<String, Long> have = new HashMap<>();
        Set<String> pairs = redis.opsForSet().members(instanceKey(self));
        for (String pair : pairs == null ? Set.<String>of() : pairs) {
            String[] parts = pair.split("\\|");
            Object count = redis.opsForHash().get(userKey(parts[0], parts[1]), self);
            have.put(pair, count == null ? 0 : Long.parseLong(count.toString()));
        }
        Set<String> all = new HashSet<>(want.keySet());
        all.addAll(have.keySet());
        Map<String, Long> differences = new HashMap<>();
        for (String pair : all) {
            long delta = want.getOrDefault(pair, 0L) - have.getOrDefault(pair, 0L);
            if (delta != 0) {
                differences.put(pair, delta);
            }
        }
        Map<String, Long> previous = disagreed;
        disagreed = differences;
        differences.forEach((pair, delta) -> {
            if (delta.equals(previous.get(pair))) {
                String[] parts = pair.split("\\|");
                log.info("presence of user {} in group {} was off by {} socket(s) here: corrected", parts[1], parts[0], delta);
                change(self, UUID.fromString(parts[0]), UUID.fromString(parts[1]), delta);
            }
        });
    }

    /** The leader takes away the sockets of instances that stopped beating, so their users go offline everywhere. */
    @Scheduled(fixedRateString = "${chorus.presence.sweep-interval:PT5S}")
    public void sweepDeadInstances() {
        if (!leadership.isLeader()) {
            return;
        }
        try {
            Set<String> live = registry.liveInstances().stream().map(InstanceRecord::instanceId).collect(Collectors.toSet());
            Set<String> holders = redis.opsForSet().members(keys.key("presence-holders"));
            for (String holder : holders == null ? Set.<String>of() : holders) {
                if (!live.contains(holder)) {
                    clearInstance(holder);
                }
            }
        } catch (RuntimeException e) {
            log.warn("presence sweep failed: {}", e.toString());
        }
    }

    private void clearInstance(String deadInstance) {
        Set<String> pairs = redis.opsForSet().members(instanceKey(deadInstance));
        for (String pair : pairs == null ? Set.<String>of() : pairs) {
            String[] parts = pair.split("\\|");
            String count = (String) redis.opsForHash().get(userKey(parts[0], parts[1]), deadInstance);
            if (count != null) {
                change(deadInstance, UUID.fromString(parts[0]), UUID.fromString(parts[1]), -Long.parseLong(count));
            }
        }
        redis.delete(instanceKey(deadInstance));
        redis.opsForSet().remove(keys.key("presence-holders"), deadInstance);
        log.info("cleared presence of dead instance {}", deadInstance);
    }

    private void change(String instanceId, UUID groupId, UUID userId, long delta) {
        String group = groupId.toString();
        String user = userId.toString();
        String pair = group + "|" + user;
        ReentrantLock stripe = stripes[Math.floorMod(pair.hashCode(), STRIPES)];
        stripe.lock();
        try {
            if (delta > 0) {
                redis.opsForSet().add(keys.key("presence-holders"), instanceId);
                redis.opsForSet().add(instanceKey(instanceId), pair);
            }
            List<?> result = redis.execute(CHANGE, List.of(userKey(group, user), groupKey(group)), instanceId, user, Long.toString(delta));
            if (((Number) result.get(1)).longValue() <= 0) {
                redis.opsForSet().remove(instanceKey(instanceId), pair);
            }
            long flip = ((Number) result.getFirst()).longValue();
            if (flip != 0) {
                bus.publish(CHANNEL, pair + "|" + (flip > 0 ? "online" : "offline"));
            }
        } finally {
            stripe.unlock();
        }
    }

    private static PresenceChanged decode(String payload) {
        String[] parts = payload.split("\\|");
        return new PresenceChanged(UUID.fromString(parts[0]), UUID.fromString(parts[1]), "online".equals(parts[2]));
    }

    private String userKey(String group, String user) {
        return keys.key("presence", keys.tag(group), user);
    }

    private String groupKey(String group) {
        return keys.key("presence", keys.tag(group));
    }

    private String instanceKey(String instanceId) {
        return keys.key("presence-of", instanceId);
    }
}
