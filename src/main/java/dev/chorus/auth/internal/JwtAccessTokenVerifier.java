package dev.chorus.auth.internal;

import dev.chorus.auth.AccessTokenVerifier;
import dev.chorus.auth.AccessToken;
import java.util.Optional;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.stereotype.Component;

/** Verifies with the same decoder (signature, expiry, issuer, revocation) the HTTP API uses. */
@Component
class JwtAccessTokenVerifier implements AccessTokenVerifier {

    private final JwtDecoder decoder;

    JwtAccessTokenVerifier(JwtDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public Optional<AccessToken> check(String token) {
        if (token == null || token.isBlank() || token.length() > 4096) {
            return Optional.empty();
        }
        try {
            Jwt jwt = decoder.decode(token);
            return Optional.of(new AccessToken(CurrentUserResolver.from(jwt), jwt.getClaimAsString(AccessTokens.SESSION_CLAIM),
                    jwt.getExpiresAt()));
        } catch (JwtException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
