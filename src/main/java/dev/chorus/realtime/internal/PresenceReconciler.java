package dev.chorus.realtime.internal;

import dev.chorus.presence.Presence;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Tells presence, now and then, which subscriptions this instance's sockets really hold, so that a join or leave
 * lost while Redis was unreachable (a socket closed during an outage or a partition) leaves no ghost and no one
 * missing for longer than two rounds (SPEC §4: offline within 30 s).
 */
@Component
class PresenceReconciler {

    private static final Logger log = LoggerFactory.getLogger(PresenceReconciler.class);

    private final Connections connections;
    private final Presence presence;

    PresenceReconciler(Connections connections, Presence presence) {
        this.connections = connections;
        this.presence = presence;
    }

    /**
     * At a fixed rate, so that Spring runs it on a thread of its own rather than on the scheduler thread that the
     * fixed-delay tasks share (while Redis is down each of its commands waits 2 s); synchronized, so that two rounds
     * never overlap.
     */
    @Scheduled(fixedRateString = "${chorus.presence.reconcile-interval:PT5S}")
    synchronized void reconcile() {
        Map<UUID, Map<UUID, Integer>> held = new HashMap<>();
        for (ClientConnection connection : connections.all()) {
            if (!connection.isAuthenticated()) {
                continue;
            }
            UUID user = connection.user().id();
            for (UUID group : connection.groups()) {
                held.computeIfAbsent(group, g -> new HashMap<>()).merge(user, 1, Integer::sum);
            }
        }
        try {
            presence.reconcile(held);
        } catch (RuntimeException e) {
            log.warn("presence reconciliation failed: {}", e.toString());
        }
    }
}
