package dev.chorus.realtime.internal;

import dev.chorus.cluster.ClusterBus;
import dev.chorus.groups.Message;
import dev.chorus.groups.MessageStored;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.stereotype.Component;

/**
 * The direct pipeline's fan-out: every stored message is published once on the cluster bus, and every instance
 * (this one included) routes what it hears to the feed of that group.
 */
@Component
class RedisFanOut {

    private static final String CHANNEL = "messages";

    private final ClusterBus bus;

    RedisFanOut(ClusterBus bus, GroupFeeds feeds) {
        this.bus = bus;
        bus.listen(CHANNEL, json -> feeds.published(Frames.JSON.readValue(json, Message.class), Frames.message(json)));
    }

    /** After the message's transaction commits: a subscriber must never hear of a message history does not have. */
    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void on(MessageStored stored) {
        bus.publish(CHANNEL, Frames.JSON.writeValueAsString(stored.message()));
    }
}
