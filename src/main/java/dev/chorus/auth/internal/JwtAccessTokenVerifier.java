package dev.chorus.auth.internal;

import dev.chorus.auth.AccessTokenVerifier;
import dev.chorus.auth.CurrentUser;
import java.util.Optional;
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
    public Optional<CurrentUser> verify(String token) {
        if (token == null || token.isBlank() || token.length() > 4096) {
            return Optional.empty();
        }
        try {
            return Optional.of(CurrentUserResolver.from(decoder.decode(token)));
        } catch (JwtException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
