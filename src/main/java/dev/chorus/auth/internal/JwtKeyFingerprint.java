package dev.chorus.auth.internal;

import dev.chorus.cluster.ConfigFingerprint;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import org.springframework.stereotype.Component;

/** Publishes an HMAC of a fixed label under the JWT key: equal keys give equal fingerprints, and the key stays secret. */
@Component
class JwtKeyFingerprint implements ConfigFingerprint {

    private final String fingerprint;

    JwtKeyFingerprint(SecretKey jwtKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(jwtKey);
            byte[] digest = mac.doFinal("chorus-jwt-key-fingerprint".getBytes(StandardCharsets.UTF_8));
            this.fingerprint = HexFormat.of().formatHex(digest, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot fingerprint the JWT key", e);
        }
    }

    @Override
    public String name() {
        return "jwt-secret";
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }
}
