package dev.chorus.auth.internal;

import java.time.Instant;
import java.util.UUID;

/** A stored user account. */
public record User(UUID id, String email, String displayName, String passwordHash, Instant createdAt) {
}
