package dev.chorus.realtime.internal;

import dev.chorus.presence.PresenceChanged;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells the sockets here that subscribe to a group when one of its members comes online or goes offline. */
@Component
class PresenceFrames {

    private final GroupFeeds feeds;

    PresenceFrames(GroupFeeds feeds) {
        this.feeds = feeds;
    }

    @EventListener
    void on(PresenceChanged change) {
        String frame = Frames.presence(change.groupId(), change.userId(), change.online());
        feeds.subscribers(change.groupId()).forEach(c -> c.send(frame));
    }
}
