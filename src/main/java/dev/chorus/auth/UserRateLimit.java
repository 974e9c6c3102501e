package dev.chorus.auth;

import dev.chorus.ops.RateLimiter;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** RATE_LIMIT_PER_USER: API requests and WebSocket send frames per minute per user, shared by every instance. */
@Component
public class UserRateLimit {

    private final RateLimiter limiter;
    private final int perMinute;

    UserRateLimit(RateLimiter limiter, @Value("${chorus.rate-limit.per-user:600}") int perMinute) {
        this.limiter = limiter;
        this.perMinute = perMinute;
    }

    public RateLimiter.Decision acquire(String userId) {
        return limiter.tryAcquire("user", userId, perMinute, Duration.ofMinutes(1));
    }
}
