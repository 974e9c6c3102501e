package dev.chorus.auth;

import java.time.Instant;

/** A verified access token: whose it is, the login session it belongs to, and when it stops being valid. */
public record AccessToken(CurrentUser user, String sessionId, Instant expiresAt) {
}
