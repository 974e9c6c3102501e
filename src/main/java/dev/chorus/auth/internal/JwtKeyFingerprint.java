package dev.chorus.auth.internal;

import dev.chorus.cluster.ConfigFingerprint;
import java.util.Arrays;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Publishes this instance's key set as the ids of its keys, the signer's first ({@code signer,other,...}). Two
 * instances agree when each one's signing key is among the other's keys: each accepts the tokens the other issues.
 * That holds at every step of a rotation done in order (add the new key as a verifier everywhere, make it the signer,
 * remove the old one) and fails as soon as a step is taken before the previous one reached every instance.
 */
@Component
class JwtKeyFingerprint implements ConfigFingerprint {

    private final String fingerprint;

    JwtKeyFingerprint(SigningKeys keys) {
        this.fingerprint = String.join(",", keys.ids());
    }

    @Override
    public String name() {
        return "jwt-secret";
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public boolean compatible(String one, String other) {
        List<String> a = ids(one);
        List<String> b = ids(other);
        return !a.isEmpty() && !b.isEmpty() && b.contains(a.getFirst()) && a.contains(b.getFirst());
    }

    private static List<String> ids(String fingerprint) {
        return fingerprint == null ? List.of() : Arrays.stream(fingerprint.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
