package dev.chorus.groups;

import java.util.UUID;

/** A user left a group or was removed from it; they must stop receiving it (SPEC §4). */
public record MemberRemoved(UUID groupId, UUID userId) {
}
