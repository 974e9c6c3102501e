package dev.chorus.auth.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.stream.Collectors;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * A {@link JwtDecoder} that parses and checks the signature of each access token once, then remembers the result,
 * while the claims are validated on every use: expiry, issuer and, above all, revocation (one Redis lookup), so a
 * logged-out session is refused from the next request on, whatever is remembered.
 *
 * <p>A client presents the same token on every request for its whole lifetime (15 minutes by default), and parsing
 * it (base64, JSON, the claim conversions) and checking its HMAC was a large share of an API request's CPU. Only
 * tokens whose signature verified are remembered, keyed by their full text, so nothing forged or altered can be
 * served from here; a bad token is parsed and refused each time, as before. The cache holds at most {@link #MAX_TOKENS}
 * (some 1.5 KB each with the token's text and claims: a few MB, small beside the heap the sockets may take; a miss
 * only costs the parse) and forgets a token after {@link #REMEMBERED}; an expired one still in it fails the
 * timestamp check like any other.
 */
final class CachingJwtDecoder implements JwtDecoder {

    static final int MAX_TOKENS = 4_096;
    static final Duration REMEMBERED = Duration.ofMinutes(5);

    private final JwtDecoder verifier;
    private final OAuth2TokenValidator<Jwt> validator;
    private final Cache<String, Jwt> verified = Caffeine.newBuilder()
            .maximumSize(MAX_TOKENS)
            .expireAfterWrite(REMEMBERED)
            .build();

    /**
     * @param verifier parses and checks the signature, validating nothing (its own validator must accept every token)
     * @param validator run on every decode, remembered token or not
     */
    CachingJwtDecoder(JwtDecoder verifier, OAuth2TokenValidator<Jwt> validator) {
        this.verifier = verifier;
        this.validator = validator;
    }

    @Override
    public Jwt decode(String token) {
        if (token == null) {
            throw new BadJwtException("no token");
        }
        // A verifier failure (JwtException) leaves nothing in the cache and reaches the caller as it was.
        Jwt jwt = verified.get(token, verifier::decode);
        OAuth2TokenValidatorResult result = validator.validate(jwt);
        if (result.hasErrors()) {
            String description = result.getErrors().stream().map(e -> e.getDescription() == null ? e.getErrorCode() : e.getDescription())
                    .collect(Collectors.joining("; "));
            throw new JwtValidationException("Unable to validate Jwt: " + description, result.getErrors());
        }
        return jwt;
    }

    long size() {
        verified.cleanUp();
        return verified.estimatedSize();
    }
}
