package dev.chorus.presence;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Presence across instances. A user is online in a group while at least one of their sockets on any live
 * instance is subscribed to it. Every change of state is published, on every instance, as {@link PresenceChanged}.
 */
public interface Presence {

    /** One more socket of this user on this instance is subscribed to the group. */
    void joined(UUID groupId, UUID userId);

    /** One socket fewer. */
    void left(UUID groupId, UUID userId);

    List<OnlineUser> online(UUID groupId);

    /**
     * What this instance really holds: group → user → subscribed sockets, all of them. A count that a lost
     * {@link #left} or {@link #joined} (Redis unreachable at that moment, a crash before it) left wrong in the shared
     * view is set right once the same difference is seen at two calls in a row, so a change racing a call is never
     * "corrected".
     */
    void reconcile(Map<UUID, Map<UUID, Integer>> held);
}
