package dev.chorus.realtime.internal;

import dev.chorus.system.InstanceInfo;
import dev.chorus.system.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.connection.zset.DefaultTuple;
import org.springframework.data.redis.connection.zset.Tuple;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * WS_MAX_SOCKETS_PER_USER across the cluster (SPEC §2): each user's open sockets are members of a sorted set in
 * Redis, scored by when their instance last vouched for them. A socket takes a slot when it authenticates (one Lua
 * script: drop stale members, count, add) and gives it back when it closes; every instance vouches for its own
 * sockets every few seconds, so the slots of an instance that died without warning go stale and free themselves
 * within {@code STALE}. If Redis cannot answer, the socket is let in: the limit protects the cluster from one
 * user, and refusing everyone while Redis is away would be worse.
 */
@Component
class SocketQuota {

    private static final Logger log = LoggerFactory.getLogger(SocketQuota.class);
    private static final Duration STALE = Duration.ofSeconds(30);
    private static final RedisScript<Long> TAKE = RedisScript.of("""
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
              return 0
            end
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
            redis.call('EXPIRE', KEYS[1], ARGV[5])
            return 1
            """, Long.class);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final String instanceId;
    private final int maxPerUser;
    private final Connections connections;

    SocketQuota(StringRedisTemplate redis, RedisKeys keys, InstanceInfo instance, Connections connections,
            @Value("${chorus.realtime.max-sockets-per-user:20}") int maxPerUser) {
        this.redis = redis;
        this.keys = keys;
        this.instanceId = instance.instanceId();
        this.maxPerUser = maxPerUser;
        this.connections = connections;
    }

    /** Takes a slot for this socket; false when the user already holds the maximum. */
    boolean take(UUID userId, String socketId) {
        long now = System.currentTimeMillis();
        try {
            Long taken = redis.execute(TAKE, List.of(key(userId)), Long.toString(now), Long.toString(now - STALE.toMillis()),
                    Integer.toString(maxPerUser), member(socketId), Long.toString(STALE.toSeconds() * 2));
            return taken == null || taken == 1;
        } catch (RuntimeException e) {
            log.warn("socket quota unavailable, letting the socket in: {}", e.toString());
            return true;
        }
    }

    /** Gives back the slot {@link #member} named. */
    void give(UUID userId, String member) {
        try {
            redis.opsForZSet().remove(key(userId), member);
        } catch (RuntimeException e) {
            log.debug("socket slot not returned (it goes stale by itself): {}", e.toString());
        }
    }

    /** Vouches for every authenticated socket here, one command per user. */
    @Scheduled(fixedDelayString = "PT10S", initialDelayString = "PT10S")
    void vouch() {
        long now = System.currentTimeMillis();
        Map<UUID, List<String>> byUser = connections.all().stream().filter(c -> c.slot() != null)
                .collect(Collectors.groupingBy(c -> c.user().id(), Collectors.mapping(ClientConnection::slot, Collectors.toList())));
        try {
            redis.executePipelined((org.springframework.data.redis.core.RedisCallback<Object>) connection -> {
                byUser.forEach((user, slots) -> {
                    byte[] key = key(user).getBytes(StandardCharsets.UTF_8);
                    // One ZADD per user for all of that user's sockets here: 20,000 sockets of 1,000 users are 1,000
                    // commands every 10 s, not 20,000.
                    Set<Tuple> members = slots.stream()
                            .map(slot -> (Tuple) new DefaultTuple(slot.getBytes(StandardCharsets.UTF_8), (double) now))
                            .collect(Collectors.toSet());
                    connection.zSetCommands().zAdd(key, members);
                    connection.keyCommands().expire(key, STALE.toSeconds() * 2);
                });
                return null;
            });
        } catch (RuntimeException e) {
            log.debug("socket slots not vouched for: {}", e.toString());
        }
    }

    String member(String socketId) {
        return instanceId + "/" + socketId;
    }

    private String key(UUID userId) {
        return keys.key("ws-sockets", userId.toString());
    }
}
