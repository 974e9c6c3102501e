package dev.chorus.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

class CachingJwtDecoderTest {

    private final AtomicInteger parsed = new AtomicInteger();
    private final AtomicInteger validated = new AtomicInteger();
    private final AtomicBoolean revoked = new AtomicBoolean();

    /** Accepts tokens starting with "good", as a signature check would; counts each parse. */
    private final JwtDecoder verifier = token -> {
        parsed.incrementAndGet();
        if (!token.startsWith("good")) {
            throw new BadJwtException("bad signature");
        }
        return Jwt.withTokenValue(token).header("alg", "HS256").subject("user-" + token)
                .issuedAt(Instant.parse("2026-01-01T00:00:00Z")).expiresAt(Instant.parse("2026-01-01T00:15:00Z")).build();
    };

    private final OAuth2TokenValidator<Jwt> notRevoked = jwt -> {
        validated.incrementAndGet();
        return revoked.get()
                ? OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "session was revoked", null))
                : OAuth2TokenValidatorResult.success();
    };

    private final CachingJwtDecoder decoder = new CachingJwtDecoder(verifier, notRevoked);

    @Test
    void aVerifiedTokenIsParsedOnceButValidatedOnEveryUse() {
        for (int i = 0; i < 3; i++) {
            assertThat(decoder.decode("good-1").getSubject()).isEqualTo("user-good-1");
        }
        assertThat(parsed).hasValue(1);
        assertThat(validated).hasValue(3);
        assertThat(decoder.size()).isEqualTo(1);
    }

    @Test
    void aRememberedTokenIsRefusedFromTheFirstUseAfterItsSessionIsRevoked() {
        decoder.decode("good-1");
        revoked.set(true);

        assertThatThrownBy(() -> decoder.decode("good-1")).isInstanceOf(JwtValidationException.class)
                .hasMessageContaining("session was revoked")
                .satisfies(e -> assertThat(((JwtValidationException) e).getErrors())
                        .extracting(OAuth2Error::getErrorCode).containsExactly("invalid_token"));
        assertThat(parsed).hasValue(1);
    }

    @Test
    void aTokenThatFailsVerificationIsNeverRememberedAndFailsEachTime() {
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> decoder.decode("forged")).isInstanceOf(BadJwtException.class).hasMessage("bad signature");
        }
        assertThat(parsed).hasValue(2);
        assertThat(validated).hasValue(0);
        assertThat(decoder.size()).isZero();
    }

    @Test
    void differentTokensAreRememberedSeparately() {
        assertThat(decoder.decode("good-1").getSubject()).isEqualTo("user-good-1");
        assertThat(decoder.decode("good-2").getSubject()).isEqualTo("user-good-2");
        assertThat(decoder.decode("good-1").getSubject()).isEqualTo("user-good-1");
        assertThat(parsed).hasValue(2);
    }

    @Test
    void noTokenIsABadTokenNotANullPointer() {
        assertThatThrownBy(() -> decoder.decode(null)).isInstanceOf(JwtException.class);
    }
}
