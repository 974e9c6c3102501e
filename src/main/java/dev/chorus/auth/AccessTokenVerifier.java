package dev.chorus.auth;

import java.util.Optional;

/** Checks an access token outside the HTTP filter chain (WebSocket authentication), with the same rules. */
public interface AccessTokenVerifier {

    /** The token's user, or empty when it is malformed, forged, expired or revoked. */
    default Optional<CurrentUser> verify(String token) {
        return check(token).map(AccessToken::user);
    }

    /** The token's user, session and expiry, or empty when it is malformed, forged, expired or revoked. */
    Optional<AccessToken> check(String token);
}
