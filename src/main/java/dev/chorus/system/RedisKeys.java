package dev.chorus.system;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** Names every Redis key Chorus uses, under one prefix, so that several deployments (or tests) can share a Redis. */
@Component
public class RedisKeys {

    private final String prefix;

    public RedisKeys(@Value("${chorus.redis.key-prefix:chorus:}") String prefix) {
        this.prefix = prefix;
    }

    public String key(String... parts) {
        return prefix + String.join(":", parts);
    }

    public String prefix() {
        return prefix;
    }
}
