package dev.chorus.realtime.internal;

import dev.chorus.auth.AccessToken;
import dev.chorus.auth.SessionRevocations;
import dev.chorus.auth.SessionRevoked;
import dev.chorus.cluster.ClusterBus;
import dev.chorus.groups.GroupService;
import dev.chorus.groups.MemberRemoved;
import dev.chorus.presence.Presence;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.web.socket.CloseStatus;

/**
 * Keeps a socket's authority live (SPEC §4), not checked once at connect: within 2 seconds, on every instance, a
 * user removed from a group stops receiving it ({@code unsubscribed} with reason {@code removed}, presence there
 * ended), and a socket whose session was revoked or whose access token expired is closed with 4001.
 *
 * <p>Two paths, so that neither a lost bus message nor a quiet cluster delays it: the instance where it happened
 * announces it on the bus and every instance acts at once; and every second each instance checks on its own what
 * its sockets hold: expiries against the clock, sessions against the shared revocation log, subscriptions against
 * group membership (one query for all of them).
 */
@Component
class LiveAuthority {

    static final CloseStatus REVOKED = new CloseStatus(4001, "session revoked");
    static final CloseStatus EXPIRED = new CloseStatus(4001, "access token expired");

    private static final Logger log = LoggerFactory.getLogger(LiveAuthority.class);
    private static final String CHANNEL = "authority";
    /** Revocations are polled with this overlap, so one logged just as the previous poll ran is not missed. */
    private static final Duration OVERLAP = Duration.ofSeconds(5);

    private final Connections connections;
    private final GroupFeeds feeds;
    private final GroupService groups;
    private final Presence presence;
    private final SessionRevocations revocations;
    private final ClusterBus bus;
    private final Clock clock;
    /** Where the next revocation poll starts; only the scheduler's thread touches it. */
    private Instant polledUpTo;

    LiveAuthority(Connections connections, GroupFeeds feeds, GroupService groups, Presence presence,
            SessionRevocations revocations, ClusterBus bus, Clock clock) {
        this.connections = connections;
        this.feeds = feeds;
        this.groups = groups;
        this.presence = presence;
        this.revocations = revocations;
        this.bus = bus;
        this.clock = clock;
        this.polledUpTo = clock.instant();
        bus.listen(CHANNEL, this::heard);
    }

    @TransactionalEventListener(fallbackExecution = true)
    void on(SessionRevoked revoked) {
        bus.publish(CHANNEL, "revoked " + revoked.sessionId());
    }

    @TransactionalEventListener(fallbackExecution = true)
    void on(MemberRemoved removed) {
        bus.publish(CHANNEL, "removed " + removed.groupId() + " " + removed.userId());
    }

    /** Called on the bus's I/O thread, which must not wait on Redis: the work runs on a thread of its own. */
    private void heard(String notice) {
        Thread.ofVirtual().name("authority").start(() -> act(notice));
    }

    private void act(String notice) {
        String[] parts = notice.split(" ");
        try {
            if (parts.length == 2 && parts[0].equals("revoked")) {
                closeSessions(Set.of(parts[1]));
            } else if (parts.length == 3 && parts[0].equals("removed")) {
                removed(UUID.fromString(parts[1]), UUID.fromString(parts[2]));
            }
        } catch (IllegalArgumentException e) {
            log.warn("ignoring a malformed authority notice: {}", notice);
        }
    }

    @Scheduled(fixedDelayString = "${chorus.realtime.authority-check-interval:PT1S}")
    void check() {
        closeExpired();
        pollRevocations();
        checkMemberships();
    }

    private void closeExpired() {
        Instant now = clock.instant();
        for (ClientConnection connection : connections.all()) {
            AccessToken token = connection.token();
            if (token != null && token.expiresAt() != null && !token.expiresAt().isAfter(now)) {
                connection.send(Frames.error("token_expired", "the access token expired; reconnect with a new one"));
                connection.close(EXPIRED);
            }
        }
    }

    private void pollRevocations() {
        Instant from = polledUpTo.minus(OVERLAP);
        Instant now = clock.instant();
        try {
            Map<String, Instant> revoked = revocations.revokedSince(from);
            polledUpTo = now;
            if (!revoked.isEmpty()) {
                closeSessions(revoked.keySet());
            }
        } catch (RuntimeException e) {
            log.debug("revocation poll skipped: {}", e.toString());
        }
    }

    private void checkMemberships() {
        // A set: a user's many sockets on one group are one membership to check (20,000 sockets of 1,000 users
        // send 1,000 pairs to PostgreSQL each second, not 20,000).
        Set<Map.Entry<UUID, UUID>> held = new HashSet<>();
        for (ClientConnection connection : connections.all()) {
            if (connection.user() != null) {
                connection.groups().forEach(g -> held.add(Map.entry(g, connection.user().id())));
            }
        }
        if (held.isEmpty()) {
            return;
        }
        Set<Map.Entry<UUID, UUID>> present;
        try {
            present = groups.stillMembers(held);
        } catch (RuntimeException e) {
            log.debug("membership check skipped: {}", e.toString());
            return;
        }
        held.stream().filter(pair -> !present.contains(pair)).forEach(pair -> removed(pair.getKey(), pair.getValue()));
    }

    private void closeSessions(Set<String> sessionIds) {
        for (ClientConnection connection : connections.all()) {
            AccessToken token = connection.token();
            if (token != null && sessionIds.contains(token.sessionId())) {
                connection.send(Frames.error("session_revoked", "this login session was ended"));
                connection.close(REVOKED);
            }
        }
    }

    private void removed(UUID groupId, UUID userId) {
        for (ClientConnection connection : connections.all()) {
            if (connection.user() != null && connection.user().id().equals(userId) && connection.groups().remove(groupId)) {
                // The frame goes out once the feed has let the socket go, so no message of the group follows it.
                feeds.unsubscribe(connection, groupId, () -> {
                    connection.send(Frames.unsubscribed(groupId, "removed"));
                    presence.left(groupId, userId);
                });
            }
        }
    }
}
