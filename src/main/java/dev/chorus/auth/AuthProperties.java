package dev.chorus.auth;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the auth module (prefix {@code chorus.auth}), filled from JWT_SECRETS or JWT_SECRET (the keys, the
 * signer first), ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, REFRESH_SESSION_MAX_AGE (a login session's absolute lifetime,
 * however often it is refreshed), COOKIE_SECURE, ADMIN_EMAILS, PASSWORD_HASH_CONCURRENCY and PASSWORD_HASH_WAIT (how many password hashes one
 * instance computes at once, and how long a request waits for its turn). {@code toString()} never shows a key.
 */
@ConfigurationProperties("chorus.auth")
public record AuthProperties(List<String> jwtSecrets, Duration accessTokenTtl, Duration refreshTokenTtl, boolean cookieSecure,
        String adminEmails, @DefaultValue("P30D") Duration refreshSessionMaxAge,
        @DefaultValue("1") int passwordHashConcurrency, @DefaultValue("PT1S") Duration passwordHashWait) {

    public Set<String> adminEmailSet() {
        return adminEmails == null ? Set.of() : Arrays.stream(adminEmails.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(String::toLowerCase).collect(Collectors.toSet());
    }

    @Override
    public String toString() {
        return "AuthProperties[jwtKeys=" + (jwtSecrets == null ? 0 : jwtSecrets.size()) + ", accessTokenTtl=" + accessTokenTtl
                + ", refreshTokenTtl=" + refreshTokenTtl
                + ", refreshSessionMaxAge=" + refreshSessionMaxAge + ", passwordHashConcurrency=" + passwordHashConcurrency + "]";
    }
}
