package dev.chorus.system;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Names every Redis key Chorus uses, under one prefix, so that several deployments (or tests) can share a Redis.
 *
 * <p>On a Redis Cluster a script or a multi-key command may only touch keys of one hash slot. A key part given
 * through {@link #tag} decides the slot: keys that carry the same tag land on the same slot (Redis hashes only what
 * is between the first braces). On one server or behind Sentinels a tag is the plain text, so key names stay what
 * they were and a rolling upgrade keeps every session and lease.
 */
@Component
public class RedisKeys {

    private final String prefix;
    private final boolean cluster;

    public RedisKeys(@Value("${chorus.redis.key-prefix:chorus:}") String prefix,
            @Value("${chorus.redis.cluster:false}") boolean cluster) {
        this.prefix = prefix;
        this.cluster = cluster;
    }

    public String key(String... parts) {
        return prefix + String.join(":", parts);
    }

    /** A key part that decides the hash slot on a Redis Cluster: {@code {part}} there, {@code part} elsewhere. */
    public String tag(String part) {
        return cluster ? "{" + part + "}" : part;
    }

    public String prefix() {
        return prefix;
    }
}
