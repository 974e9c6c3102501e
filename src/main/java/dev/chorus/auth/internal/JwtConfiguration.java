package dev.chorus.auth.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.chorus.auth.AuthProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * HS256 signing with the first key of JWT_SECRETS (or JWT_SECRET), verification with any of them; verification also
 * refuses tokens of revoked sessions.
 */
@Configuration(proxyBeanMethods = false)
class JwtConfiguration {

    @Bean
    SigningKeys signingKeys(AuthProperties properties) {
        return SigningKeys.of(properties.jwtSecrets());
    }

    /** The encoder picks the JWK matching the header's {@code kid} and {@code alg}: there is only the signer's. */
    @Bean
    JwtEncoder jwtEncoder(SigningKeys keys) {
        return new NimbusJwtEncoder(new ImmutableJWKSet<>(keys.signingSet()));
    }

    /**
     * Nimbus selects the key named by the token's {@code kid}; a token without one (issued before key sets) is tried
     * against every key. Claims are checked by Spring's validators below, not by Nimbus's own (as
     * {@code NimbusJwtDecoder.withSecretKey} does too), on every request, while the parsing and the signature check
     * are done once per token ({@link CachingJwtDecoder}).
     */
    @Bean
    JwtDecoder jwtDecoder(SigningKeys keys, RefreshSessions sessions) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableJWKSet<>(keys.verificationSet())));
        processor.setJWTClaimsSetVerifier((claims, context) -> {
        });
        NimbusJwtDecoder verifier = new NimbusJwtDecoder(processor);
        verifier.setJwtValidator(jwt -> OAuth2TokenValidatorResult.success());
        return new CachingJwtDecoder(verifier, new DelegatingOAuth2TokenValidator<>(
                new JwtTimestampValidator(AccessTokens.CLOCK_SKEW), new JwtIssuerValidator(AccessTokens.ISSUER),
                notRevoked(sessions)));
    }

    private static OAuth2TokenValidator<Jwt> notRevoked(RefreshSessions sessions) {
        return jwt -> {
            String sid = jwt.getClaimAsString(AccessTokens.SESSION_CLAIM);
            if (sid == null) {
                return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "token has no session", null));
            }
            if (sessions.isRevoked(sid)) {
                return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "session was revoked", null));
            }
            return OAuth2TokenValidatorResult.success();
        };
    }
}
