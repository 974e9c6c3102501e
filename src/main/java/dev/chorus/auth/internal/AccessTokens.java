package dev.chorus.auth.internal;

import java.time.Duration;
import dev.chorus.auth.AuthProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Component;

/** Issues HS256 access tokens carrying the user, roles and login session ({@code sid}), signed with the first key. */
@Component
public class AccessTokens {

    static final String ISSUER = "chorus";
    static final String SESSION_CLAIM = "sid";
    /** How far a token's expiry may be off and still validate (Spring Security's default, set explicitly). */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    static final String ROLES_CLAIM = "roles";

    private final JwtEncoder encoder;
    private final String signingKeyId;
    private final AuthProperties properties;
    private final Clock clock;

    AccessTokens(JwtEncoder encoder, SigningKeys keys, AuthProperties properties, Clock clock) {
        this.encoder = encoder;
        this.signingKeyId = keys.signer().id();
        this.properties = properties;
        this.clock = clock;
    }

    String issue(User user, List<String> roles, String sessionId) {
        Instant now = clock.instant();
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer(ISSUER)
                .subject(user.id().toString())
                .id(UUID.randomUUID().toString())
                .issuedAt(now)
                .expiresAt(now.plus(properties.accessTokenTtl()))
                .claim("email", user.email())
                .claim(ROLES_CLAIM, roles)
                .claim(SESSION_CLAIM, sessionId)
                .build();
        JwsHeader header = JwsHeader.with(MacAlgorithm.HS256).keyId(signingKeyId).build();
        return encoder.encode(JwtEncoderParameters.from(header, claims)).getTokenValue();
    }

    long ttlSeconds() {
        return properties.accessTokenTtl().toSeconds();
    }
}
