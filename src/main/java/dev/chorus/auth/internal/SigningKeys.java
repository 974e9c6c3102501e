package dev.chorus.auth.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HS256 keys of JWT_SECRETS (or the one of JWT_SECRET): the first signs, every one verifies. A key's id, which
 * tokens carry as {@code kid} and instances publish to compare their key sets, is an HMAC under the key of a fixed
 * label: the same key has the same id on every instance, and the id gives nothing of the key away.
 */
record SigningKeys(List<Key> keys) {

    /** One key and its id. */
    record Key(String id, SecretKey secret) {
        @Override
        public String toString() {
            return "Key[" + id + "]";
        }
    }

    private static final String ID_LABEL = "chorus-jwt-key-fingerprint";

    SigningKeys {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no JWT key");
        }
        keys = List.copyOf(keys);
    }

    static SigningKeys of(List<String> secrets) {
        List<Key> keys = new ArrayList<>();
        for (String secret : secrets) {
            SecretKey key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
            keys.add(new Key(idOf(key), key));
        }
        return new SigningKeys(keys);
    }

    Key signer() {
        return keys.getFirst();
    }

    /** Just the signing key, with its id: what the encoder picks from. */
    JWKSet signingSet() {
        return new JWKSet(jwk(signer()));
    }

    /** Every key, with its id: a token with a {@code kid} is checked against that key, one without against each. */
    JWKSet verificationSet() {
        return new JWKSet(keys.stream().map(SigningKeys::jwk).toList());
    }

    /** The ids, the signer's first: what the consistency check compares between instances. */
    List<String> ids() {
        return keys.stream().map(Key::id).toList();
    }

    private static JWK jwk(Key key) {
        return new OctetSequenceKey.Builder(key.secret()).keyID(key.id()).keyUse(KeyUse.SIGNATURE)
                .algorithm(JWSAlgorithm.HS256).build();
    }

    /** Also the fingerprint one JWT_SECRET was published as before key sets, so older instances compare alike. */
    static String idOf(SecretKey key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal(ID_LABEL.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot fingerprint a JWT key", e);
        }
    }
}
