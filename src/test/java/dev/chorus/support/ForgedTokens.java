package dev.chorus.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Access tokens with exactly one flaw, for a real user's live session: the claims are those the server issues, so
 * a refusal can only come from the flaw (the secret, the expiry, or a missing signature).
 */
public final class ForgedTokens {

    private ForgedTokens() {
    }

    /** Signed HS256 with the given secret, expiring at the given time. */
    public static String hs256(Api.Session session, String secret, Instant expiresAt) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims(session, expiresAt));
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Unsigned: header {"alg":"none"} and an empty signature. */
    public static String unsigned(Api.Session session) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(claims(session, Instant.now().plusSeconds(600)).toString().getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }

    private static JWTClaimsSet claims(Api.Session session, Instant expiresAt) {
        try {
            return new JWTClaimsSet.Builder()
                    .issuer("chorus")
                    .subject(session.userId())
                    .jwtID(UUID.randomUUID().toString())
                    .issueTime(Date.from(expiresAt.minus(Duration.ofMinutes(15))))
                    .expirationTime(Date.from(expiresAt))
                    .claim("email", session.email())
                    .claim("roles", List.of("USER"))
                    .claim("sid", SignedJWT.parse(session.accessToken()).getJWTClaimsSet().getStringClaim("sid"))
                    .build();
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
