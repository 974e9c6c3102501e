package dev.chorus.realtime.internal;

import dev.chorus.groups.Message;
import dev.chorus.groups.MessageService;
import dev.chorus.realtime.RealtimeProperties;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** The live feeds of the groups that sockets on this instance subscribe to, created and retired on demand. */
@Component
class GroupFeeds {

    private final Map<UUID, GroupFeed> feeds = new ConcurrentHashMap<>();
    private final MessageService messages;
    private final RealtimeProperties properties;

    GroupFeeds(MessageService messages, RealtimeProperties properties) {
        this.messages = messages;
        this.properties = properties;
    }

    void subscribe(ClientConnection connection, UUID groupId, Long afterSeq) {
        GroupFeed feed = feed(groupId);
        while (!feed.subscribe(connection, afterSeq)) {
            feeds.remove(groupId, feed);
            feed = feed(groupId);
        }
    }

    void unsubscribe(ClientConnection connection, UUID groupId, Runnable then) {
        GroupFeed feed = feeds.get(groupId);
        if (feed == null || !feed.unsubscribe(connection, then)) {
            if (then != null) {
                then.run();
            }
        }
    }

    /** Routes a message from the bus to its group's feed, if any socket here listens to that group. */
    void published(Message message, String frame) {
        GroupFeed feed = feeds.get(message.groupId());
        if (feed != null) {
            feed.published(message, frame);
        }
    }

    Set<ClientConnection> subscribers(UUID groupId) {
        GroupFeed feed = feeds.get(groupId);
        return feed == null ? Set.of() : feed.subscribers();
    }

    void retire(GroupFeed feed) {
        feeds.remove(feed.groupId(), feed);
    }

    private GroupFeed feed(UUID groupId) {
        return feeds.computeIfAbsent(groupId, id -> new GroupFeed(id, messages, this, properties.replayWait()));
    }
}
