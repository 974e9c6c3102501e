package dev.chorus.groups;

import java.time.Instant;
import java.util.UUID;

/** A group as the API shows it. */
public record Group(UUID id, String name, UUID ownerId, Instant createdAt) {
}
