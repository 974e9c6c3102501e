package dev.chorus.ops;

import org.springframework.http.HttpStatus;

/** A rate limit refused the call; answered with 429 and Retry-After. */
public class TooManyRequestsException extends ApiException {

    private final long retryAfterSeconds;

    public TooManyRequestsException(RateLimiter.Decision decision, String message) {
        super(HttpStatus.TOO_MANY_REQUESTS, "rate_limited", message);
        this.retryAfterSeconds = decision.retryAfterSeconds();
    }

    @Override
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
