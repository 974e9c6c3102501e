package dev.chorus.auth;

import java.util.Optional;

/** Checks an access token outside the HTTP filter chain (WebSocket authentication), with the same rules. */
public interface AccessTokenVerifier {

    /** The token's user, or empty when it is malformed, forged, expired or revoked. */
    Optional<CurrentUser> verify(String token);
}
