package dev.chorus.realtime.internal;

import dev.chorus.groups.MessageService;
import dev.chorus.presence.Presence;
import dev.chorus.realtime.RealtimeProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The live feeds of the groups that sockets on this instance subscribe to, created and retired on demand. A
 * subscription a feed could not make is undone here: the socket leaves the group, its presence there ends, and it
 * gets an {@code error} frame so that it can subscribe again.
 */
@Component
class GroupFeeds implements GroupFeed.Failures, DisposableBean {

    private final Map<UUID, GroupFeed> feeds = new ConcurrentHashMap<>();
    private final MessageService messages;
    private final Presence presence;
    private final RealtimeProperties properties;
    private final SubscriptionReads reads;
    private final Counter repaired;
    private final Counter heldBack;
    private final Duration reorderWait;
    /** The feeds' reorder timers: one thread, as each timer only hands a task to its feed's mailbox. */
    private final ScheduledExecutorService timers =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("feed-timers").factory());

    GroupFeeds(MessageService messages, Presence presence, RealtimeProperties properties, SubscriptionReads reads,
            MeterRegistry meters, @Value("${chorus.realtime.reorder-wait:PT0.1S}") Duration reorderWait) {
        this.reorderWait = reorderWait;
        this.messages = messages;
        this.reads = reads;
        this.presence = presence;
        this.properties = properties;
        this.repaired = Counter.builder("chorus.fanout.repaired")
                .description("messages a feed read from history because the bus had not brought them").register(meters);
        this.heldBack = Counter.builder("chorus.fanout.held")
                .description("messages the bus brought before one they follow, held back until it came (or history gave it)")
                .register(meters);
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
    void published(Delivery delivery) {
        GroupFeed feed = feeds.get(delivery.groupId());
        if (feed != null) {
            feed.published(delivery);
        }
    }

    Set<ClientConnection> subscribers(UUID groupId) {
        GroupFeed feed = feeds.get(groupId);
        return feed == null ? Set.of() : feed.subscribers();
    }

    Collection<GroupFeed> live() {
        return List.copyOf(feeds.values());
    }

    GroupFeed get(UUID groupId) {
        return feeds.get(groupId);
    }

    void retire(GroupFeed feed) {
        feeds.remove(feed.groupId(), feed);
    }

    void repaired(int count) {
        repaired.increment(count);
    }

    void heldBack() {
        heldBack.increment();
    }

    @Override
    public void destroy() {
        timers.shutdownNow();
    }

    @Override
    public void subscriptionFailed(ClientConnection connection, UUID groupId, String why) {
        if (connection.groups().remove(groupId)) {
            presence.left(groupId, connection.user().id());
        }
        connection.send(Frames.error("subscribe_failed", why));
    }

    private GroupFeed feed(UUID groupId) {
        return feeds.computeIfAbsent(groupId, id -> new GroupFeed(id, messages, reads, this, this, properties.replayWait(),
                reorderWait, timers));
    }
}
