package dev.chorus.ops;

import org.springframework.http.HttpStatus;

/** This instance has no capacity for the call right now; answered with 503 {@code busy} and Retry-After. */
public class ServiceBusyException extends ApiException {

    private final long retryAfterSeconds;

    public ServiceBusyException(String message, long retryAfterSeconds) {
        super(HttpStatus.SERVICE_UNAVAILABLE, "busy", message);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    @Override
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Thrown by the hundred when an instance is flooded, and never a bug: its stack trace would be pure cost. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
