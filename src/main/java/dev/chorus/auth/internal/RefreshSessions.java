package dev.chorus.auth.internal;

import dev.chorus.auth.AuthProperties;
import dev.chorus.system.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import dev.chorus.auth.SessionRevocations;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Login sessions and their refresh tokens, in Redis, shared by every instance.
 *
 * <p>A refresh token is {@code <sessionId>.<secret>}; Redis keeps only its SHA-256. Per session:
 * {@code sess:<sid>} (user, current token hash, absolute deadline, rotation count), {@code sess-rotated:<sid>}
 * (the last {@value #ROTATED_KEPT} hashes rotated away, scored by rotation number) and, once the session is revoked,
 * {@code revoked-sess:<sid>}, which lives only as long as an access token can validate (its lifetime plus the allowed
 * clock skew), so Redis does not grow without bound. Revocations are also logged in the sorted set
 * {@code revocations} (scored by when), trimmed to that same lifetime, so that instances can learn of them by
 * polling ({@link SessionRevocations}) without asking per token.
 *
 * <p>Rotation runs as one Lua script, so two instances can never both rotate the same token. A session lives at most
 * REFRESH_SESSION_MAX_AGE from its login, however often it is refreshed: each rotation extends it by
 * REFRESH_TOKEN_TTL but never past that deadline, after which its token is refused as invalid.
 *
 * <p>Theft detection: presenting a token that was rotated away revokes the whole session. Only the last
 * {@value #ROTATED_KEPT} rotated hashes are kept, so a session's memory stays the same however long it lives; a
 * token older than that is merely unknown (401 {@code invalid_refresh_token}) and no longer revokes the session.
 * That gives away nothing but the alarm: an old token never grants access either way, and with clients refreshing
 * once per access-token lifetime (15 minutes by default) the alarm still covers the last half day of tokens.
 */
@Component
class RefreshSessions implements SessionRevocations {

    /** What a refresh attempt found. */
    sealed interface Rotation {
        /** {@code lifetime}: how long the new token is good for (the token TTL, or less near the session's end). */
        record Rotated(UUID userId, String sessionId, String newToken, Duration lifetime) implements Rotation {
        }

        record Reused(String sessionId) implements Rotation {
        }

        record Unknown() implements Rotation {
        }
    }

    /** Rotated-away token hashes kept per session for theft detection. */
    static final int ROTATED_KEPT = 50;

    // KEYS: session, rotated hashes, revoked marker: one session's keys, one hash slot (RedisKeys#tag). The caller
    // adds a reused session to the revocation log, a key of its own (see logRevocation).
    // ARGV: presented hash, next hash, token TTL (s), revocation TTL (s), now (ms), session id, max age (ms), kept.
    private static final RedisScript<List> ROTATE = RedisScript.of("""
            local now = tonumber(ARGV[5])
            local session = redis.call('HMGET', KEYS[1], 'current', 'uid', 'deadline')
            if session[1] then
              local deadline = tonumber(session[3])
              if not deadline then
                deadline = now + tonumber(ARGV[7])
                redis.call('HSET', KEYS[1], 'deadline', string.format('%d', deadline))
              end
              if deadline <= now then
                redis.call('DEL', KEYS[1], KEYS[2])
                return {'expired'}
              end
              local left = math.ceil((deadline - now) / 1000)
              if session[1] == ARGV[1] then
                local ttl = math.min(tonumber(ARGV[3]), left)
                local n = redis.call('HINCRBY', KEYS[1], 'rotations', 1)
                redis.call('HSET', KEYS[1], 'current', ARGV[2])
                redis.call('EXPIRE', KEYS[1], ttl)
                redis.call('ZADD', KEYS[2], n, ARGV[1])
                redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[8]) + 1))
                redis.call('EXPIRE', KEYS[2], ttl)
                return {'rotated', session[2], ttl}
              end
            end
            if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
              redis.call('DEL', KEYS[1])
              redis.call('SET', KEYS[3], '1', 'EX', ARGV[4])
              return {'reused'}
            end
            return {'unknown'}
            """, List.class);

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final AuthProperties properties;
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    RefreshSessions(StringRedisTemplate redis, RedisKeys keys, AuthProperties properties, Clock clock) {
        this.clock = clock;
        this.redis = redis;
        this.keys = keys;
        this.properties = properties;
    }

    /** Opens a login session and returns its first refresh token, good for {@link #firstTokenLifetime()}. */
    String open(UUID userId, String sessionId) {
        String token = sessionId + "." + secret();
        String key = sessionKey(sessionId);
        long deadline = clock.millis() + properties.refreshSessionMaxAge().toMillis();
        redis.opsForHash().putAll(key, Map.of("uid", userId.toString(), "current", hash(token), "deadline", Long.toString(deadline)));
        redis.expire(key, firstTokenLifetime());
        return token;
    }

    /** A new session's first token lives the token TTL, or the session's whole lifetime when that is shorter. */
    Duration firstTokenLifetime() {
        Duration ttl = properties.refreshTokenTtl();
        Duration maxAge = properties.refreshSessionMaxAge();
        return ttl.compareTo(maxAge) <= 0 ? ttl : maxAge;
    }

    Rotation rotate(String presented) {
        Optional<String> sessionId = sessionIdOf(presented);
        if (sessionId.isEmpty()) {
            return new Rotation.Unknown();
        }
        String sid = sessionId.get();
        String next = sid + "." + secret();
        List<?> result = redis.execute(ROTATE,
                List.of(sessionKey(sid), rotatedKey(sid), revokedKey(sid)),
                hash(presented), hash(next),
                Long.toString(properties.refreshTokenTtl().toSeconds()),
                Long.toString(revocationLifetime().toSeconds()),
                Long.toString(clock.millis()), sid,
                Long.toString(properties.refreshSessionMaxAge().toMillis()), Integer.toString(ROTATED_KEPT));
        return switch (String.valueOf(result.getFirst())) {
            case "rotated" -> new Rotation.Rotated(UUID.fromString(String.valueOf(result.get(1))), sid, next,
                    Duration.ofSeconds(Long.parseLong(String.valueOf(result.get(2)))));
            case "reused" -> {
                logRevocation(sid);
                yield new Rotation.Reused(sid);
            }
            default -> new Rotation.Unknown();
        };
    }

    /** Ends the session: its refresh token dies and its access tokens are refused until they expire. */
    void revoke(String sessionId) {
        redis.delete(sessionKey(sessionId));
        redis.opsForValue().set(revokedKey(sessionId), "1", revocationLifetime());
        logRevocation(sessionId);
    }

    /**
     * Adds a revoked session to the shared log that open WebSockets are checked against. After the session's own
     * revoked marker, not with it: the log is one key for all sessions, so on a Redis Cluster it lives in another
     * hash slot. The marker alone already refuses the session's tokens on every request.
     */
    private void logRevocation(String sessionId) {
        long now = clock.millis();
        redis.opsForZSet().add(revocationsKey(), sessionId, now);
        redis.opsForZSet().removeRangeByScore(revocationsKey(), 0, now - revocationLifetime().toMillis());
        redis.expire(revocationsKey(), revocationLifetime());
    }

    @Override
    public Map<String, Instant> revokedSince(Instant since) {
        Map<String, Instant> revoked = new HashMap<>();
        var entries = redis.opsForZSet().rangeByScoreWithScores(revocationsKey(), since.toEpochMilli(), Double.POSITIVE_INFINITY);
        if (entries != null) {
            entries.forEach(e -> revoked.put(e.getValue(), Instant.ofEpochMilli(e.getScore().longValue())));
        }
        return revoked;
    }

    /**
     * How long a revocation must be remembered: as long as one of the session's access tokens can still validate,
     * which is its lifetime plus the clock skew validation allows (SPEC §4 and issue: a revoked token must not
     * work again in its last minute).
     */
    private Duration revocationLifetime() {
        return properties.accessTokenTtl().plus(AccessTokens.CLOCK_SKEW);
    }

    private String revocationsKey() {
        return keys.key("revocations");
    }

    boolean isRevoked(String sessionId) {
        return Boolean.TRUE.equals(redis.hasKey(revokedKey(sessionId)));
    }

    static Optional<String> sessionIdOf(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(token.substring(0, dot)).toString());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private String sessionKey(String sid) {
        return keys.key("sess", keys.tag(sid));
    }

    private String rotatedKey(String sid) {
        return keys.key("sess-rotated", keys.tag(sid));
    }

    private String revokedKey(String sid) {
        return keys.key("revoked-sess", keys.tag(sid));
    }

    private String secret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
