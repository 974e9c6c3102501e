package dev.chorus.auth.web;

import dev.chorus.ops.CleanText;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Request bodies of the auth endpoints. */
final class AuthRequests {

    private AuthRequests() {
    }

    record Register(@NotBlank @Email @Size(max = 254) @CleanText(name = true) String email,
            @NotBlank @Size(min = 8, max = 128) @CleanText String password,
            @NotBlank @Size(max = 100) @CleanText(name = true) String displayName) {
    }

    record Login(@NotBlank @Size(max = 254) @CleanText(name = true) String email,
            @NotBlank @Size(max = 128) @CleanText String password) {
    }

    record Refresh(@Size(max = 200) String refreshToken) {
    }
}
