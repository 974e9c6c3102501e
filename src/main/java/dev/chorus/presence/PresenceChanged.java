package dev.chorus.presence;

import java.util.UUID;

/** A user came online in a group (first subscribed socket anywhere) or went offline (last one gone). */
public record PresenceChanged(UUID groupId, UUID userId, boolean online) {
}
