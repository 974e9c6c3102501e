package dev.chorus.realtime.internal;

import dev.chorus.cluster.ClusterBus;
import dev.chorus.groups.MessagesStored;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * The direct pipeline's fan-out: each commit's messages are published once on the cluster bus (one publication per
 * group-commit batch), and every instance (this one included) routes what it hears to the feeds of those groups.
 * A publication that is lost (this instance killed after commit, a dropped pub/sub connection) is made good by
 * {@link FeedRepair} from history.
 */
@Component
class RedisFanOut {

    private static final String CHANNEL = "messages";

    private final ClusterBus bus;

    RedisFanOut(ClusterBus bus, GroupFeeds feeds) {
        this.bus = bus;
        bus.listen(CHANNEL, payload -> FanOutPayload.decode(payload, feeds::published));
    }

    /** After the messages' transaction commits: a subscriber must never hear of a message history does not have. */
    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void on(MessagesStored stored) {
        bus.publish(CHANNEL, FanOutPayload.encode(stored.messages()));
    }
}
