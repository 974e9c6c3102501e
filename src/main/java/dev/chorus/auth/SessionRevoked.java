package dev.chorus.auth;

/** A login session was ended (logout, or a rotated refresh token presented again); its access tokens are refused. */
public record SessionRevoked(String sessionId) {
}
