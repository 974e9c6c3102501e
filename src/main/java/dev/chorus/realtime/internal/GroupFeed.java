package dev.chorus.realtime.internal;

import dev.chorus.groups.Message;
import dev.chorus.groups.MessageService;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group's live stream on this instance, for the sockets here that subscribe to it.
 *
 * <p>Everything happens on the feed's own mailbox (one virtual thread), so deliveries, subscriptions and
 * replays of a group never interleave. The feed remembers the last seq it emitted and emits seqs strictly in
 * order, exactly once: a seq at or below it is a duplicate and dropped; a seq beyond the next one means Redis
 * delivered out of order or lost something, and the missing seqs are read from PostgreSQL first. That read always
 * finds them: seq N+1 can only be handed out after N's transaction committed (the group row lock), and a message
 * is published only after its own commit.
 *
 * <p>A subscription, on the mailbox, sends {@code subscribed} with the last seq, replays stored messages after
 * the client's afterSeq up to it, then joins the live stream: no gap and no duplicate at the seam.
 *
 * <p>Life cycle: started (reads the group's last seq) → live → retired once its last subscriber left; a
 * subscription that reaches a retired feed is handed to a fresh one.
 */
final class GroupFeed {

    private static final Logger log = LoggerFactory.getLogger(GroupFeed.class);
    private static final int REPLAY_PAGE = 200;

    private final UUID groupId;
    private final MessageService messages;
    private final GroupFeeds owner;
    private final Duration replayWait;
    private final ExecutorService mailbox;
    private final Set<ClientConnection> subscribers = ConcurrentHashMap.newKeySet();
    private long lastSeq;
    private boolean retired;

    GroupFeed(UUID groupId, MessageService messages, GroupFeeds owner, Duration replayWait) {
        this.groupId = groupId;
        this.messages = messages;
        this.owner = owner;
        this.replayWait = replayWait;
        this.mailbox = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("feed-" + groupId).factory());
        this.mailbox.execute(() -> lastSeq = messages.lastSeq(groupId));
    }

    Set<ClientConnection> subscribers() {
        return subscribers;
    }

    /** A message stored by any instance; the frame is already serialised. */
    boolean published(Message message, String frame) {
        return submit(() -> deliver(message, frame));
    }

    boolean subscribe(ClientConnection connection, Long afterSeq) {
        return submit(() -> {
            if (retired) {
                owner.subscribe(connection, groupId, afterSeq);
                return;
            }
            connection.send(Frames.subscribed(groupId, lastSeq));
            if (afterSeq != null && afterSeq < lastSeq && !replay(connection, afterSeq)) {
                return;
            }
            subscribers.add(connection);
        });
    }

    boolean unsubscribe(ClientConnection connection, Runnable then) {
        return submit(() -> {
            subscribers.remove(connection);
            if (then != null) {
                then.run();
            }
            if (subscribers.isEmpty() && !retired) {
                retired = true;
                owner.retire(this);
                mailbox.shutdown();
            }
        });
    }

    UUID groupId() {
        return groupId;
    }

    private void deliver(Message message, String frame) {
        if (message.seq() <= lastSeq) {
            return;
        }
        if (message.seq() > lastSeq + 1) {
            fillGap(message.seq() - 1);
        }
        emit(new ClientConnection.Outbound(frame, message));
    }

    private void fillGap(long upTo) {
        while (lastSeq < upTo) {
            List<Message> missing = messages.range(groupId, lastSeq, upTo, REPLAY_PAGE);
            if (missing.isEmpty()) {
                log.warn("group {}: seqs {}..{} not found in history", groupId, lastSeq + 1, upTo);
                return;
            }
            missing.forEach(m -> emit(new ClientConnection.Outbound(Frames.message(m), m)));
        }
    }

    private void emit(ClientConnection.Outbound frame) {
        lastSeq = frame.message().seq();
        for (ClientConnection subscriber : subscribers) {
            subscriber.send(frame);
        }
    }

    private boolean replay(ClientConnection connection, long afterSeq) {
        long cursor = afterSeq;
        try {
            while (cursor < lastSeq) {
                List<Message> page = messages.range(groupId, cursor, lastSeq, REPLAY_PAGE);
                if (page.isEmpty()) {
                    return true;
                }
                for (Message m : page) {
                    if (!connection.sendPatiently(new ClientConnection.Outbound(Frames.message(m), m), replayWait)) {
                        return false;
                    }
                }
                cursor = page.getLast().seq();
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean submit(Runnable task) {
        try {
            mailbox.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("group {} feed task failed: {}", groupId, e.toString());
                }
            });
            return true;
        } catch (RejectedExecutionException retiredAlready) {
            return false;
        }
    }
}
