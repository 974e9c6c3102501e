package dev.chorus.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class JwtKeyFingerprintTest {

    static final String K1 = "first-key-0123456789-abcdefghijklmnop";
    static final String K2 = "second-key-0123456789-abcdefghijklmno";
    static final String K3 = "third-key-0123456789-abcdefghijklmnop";

    static String published(String... secrets) {
        return new JwtKeyFingerprint(SigningKeys.of(List.of(secrets))).fingerprint();
    }

    @Test
    void aKeysIdIsTheSameOnEveryInstanceAndIsTheFingerprintOneSecretWasPublishedAsBefore() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(K1.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String before = HexFormat.of().formatHex(mac.doFinal("chorus-jwt-key-fingerprint".getBytes(StandardCharsets.UTF_8)), 0, 16);
        assertThat(published(K1)).isEqualTo(before).isEqualTo(SigningKeys.of(List.of(K1)).signer().id());
    }

    @Test
    void theSignersIdComesFirstAndNoKeyIsPublished() {
        String ids = published(K2, K1);
        assertThat(ids.split(",")).containsExactly(published(K2), published(K1));
        assertThat(ids).doesNotContain(K1).doesNotContain(K2);
    }

    @Test
    void instancesAgreeWhenEachSignsWithAKeyTheOtherVerifies() {
        JwtKeyFingerprint check = new JwtKeyFingerprint(SigningKeys.of(List.of(K1)));
        assertThat(check.compatible(published(K1), published(K1, K2))).isTrue();
        assertThat(check.compatible(published(K1, K2), published(K2, K1))).isTrue();
        assertThat(check.compatible(published(K2, K1), published(K2))).isTrue();
        assertThat(check.compatible(published(K1), published(K2, K1))).as("k2 signs, k1 alone cannot verify").isFalse();
        assertThat(check.compatible(published(K2, K1), published(K1))).as("symmetric").isFalse();
        assertThat(check.compatible(published(K1), published(K3))).isFalse();
        assertThat(check.compatible(published(K1), "")).isFalse();
    }
}
