package dev.chorus.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the auth module (prefix {@code chorus.auth}), filled from JWT_SECRET, ACCESS_TOKEN_TTL,
 * REFRESH_TOKEN_TTL, COOKIE_SECURE and ADMIN_EMAILS. {@code toString()} never shows the secret.
 */
@ConfigurationProperties("chorus.auth")
public record AuthProperties(String jwtSecret, Duration accessTokenTtl, Duration refreshTokenTtl, boolean cookieSecure,
        String adminEmails) {

    public byte[] secretBytes() {
        return jwtSecret.getBytes(StandardCharsets.UTF_8);
    }

    public Set<String> adminEmailSet() {
        return adminEmails == null ? Set.of() : Arrays.stream(adminEmails.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(String::toLowerCase).collect(Collectors.toSet());
    }

    @Override
    public String toString() {
        return "AuthProperties[accessTokenTtl=" + accessTokenTtl + ", refreshTokenTtl=" + refreshTokenTtl + "]";
    }
}
