package dev.chorus.ops;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The 429 answer with Retry-After, shared by every rate limit. */
public final class RateLimitResponses {

    private RateLimitResponses() {
    }

    public static void tooManyRequests(HttpServletResponse response, RateLimiter.Decision decision, String message)
            throws IOException {
        response.setHeader("Retry-After", Long.toString(decision.retryAfterSeconds()));
        ApiError.write(response, 429, "rate_limited", message);
    }
}
