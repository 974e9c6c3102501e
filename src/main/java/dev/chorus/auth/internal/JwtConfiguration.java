package dev.chorus.auth.internal;

import dev.chorus.auth.AuthProperties;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/** HS256 signing and verification with JWT_SECRET; verification also refuses tokens of revoked sessions. */
@Configuration(proxyBeanMethods = false)
class JwtConfiguration {

    @Bean
    SecretKey jwtKey(AuthProperties properties) {
        return new SecretKeySpec(properties.secretBytes(), "HmacSHA256");
    }

    @Bean
    JwtEncoder jwtEncoder(SecretKey jwtKey) {
        return NimbusJwtEncoder.withSecretKey(jwtKey).algorithm(MacAlgorithm.HS256).build();
    }

    @Bean
    JwtDecoder jwtDecoder(SecretKey jwtKey, RefreshSessions sessions) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(jwtKey).macAlgorithm(MacAlgorithm.HS256).build();
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                new JwtTimestampValidator(AccessTokens.CLOCK_SKEW), new JwtIssuerValidator(AccessTokens.ISSUER),
                notRevoked(sessions)));
        return decoder;
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
