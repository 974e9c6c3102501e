package dev.chorus.auth;

import java.util.List;
import java.util.UUID;

/** The authenticated caller, resolvable as a controller argument in any module. */
public record CurrentUser(UUID id, String email, List<String> roles) {
}
