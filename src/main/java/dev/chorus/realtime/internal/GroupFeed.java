package dev.chorus.realtime.internal;

import dev.chorus.groups.Message;
import dev.chorus.groups.MessageService;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group's live stream on this instance, for the sockets here that subscribe to it.
 *
 * <p>Deliveries, subscriptions and joins of a group happen on the feed's own mailbox (one virtual thread), so they
 * never interleave. The feed remembers the last seq it emitted and emits seqs strictly in order, exactly once: a
 * seq at or below it is a duplicate and dropped; a seq beyond the next one is held back for up to the reorder wait,
 * because the bus often brings it before the one it follows: N and N+1 are committed one after the other, often
 * by two instances, whose publications race to Redis. When the missing seqs arrive, everything held is emitted in
 * order; when the wait passes first (a publication was lost), they are read from PostgreSQL. That read always
 * finds them: seq N+1 can only be handed out after N's transaction committed (the group row lock), and a message
 * is published only after its own commit. (Reading at once, as the feed did before, cost one history query per
 * reordered pair on every instance, ~2 % of an instance's CPU at 5,000 deliveries/s.) A publication lost with no
 * later message to reveal the gap is found by {@link FeedRepair}, which calls {@link #catchUp}.
 *
 * <p>A subscription, on the mailbox, sends {@code subscribed} with the last seq. Without a backlog it joins the
 * live stream at once. With one (afterSeq below the last seq) it replays on a thread of its own, waiting for room
 * in that socket's buffer as long as it must, so a slow reader never holds up the group's other subscribers; then
 * it asks the mailbox to join, which succeeds only if nothing was emitted meanwhile, else it replays the rest and
 * asks again. Either way there is no gap and no duplicate at the seam.
 *
 * <p>Life cycle: starting (reads the group's last seq; if that fails, subscriptions are refused with an error frame
 * and the feed retires, so a client is never told a wrong lastSeq) → live → retired once its last subscriber left;
 * a subscription that reaches a retired feed is handed to a fresh one.
 */
final class GroupFeed {

    /** What a feed reports back about one subscription that could not be made. */
    interface Failures {
        void subscriptionFailed(ClientConnection connection, UUID groupId, String why);
    }

    private static final Logger log = LoggerFactory.getLogger(GroupFeed.class);
    private static final int REPLAY_PAGE = 200;
    private static final long NOT_STARTED = -1;
    /** Held-back deliveries past which the gap is read from history at once instead of waiting longer. */
    private static final int MAX_HELD = 1000;

    private final UUID groupId;
    private final MessageService messages;
    /** Bounds the subscription-side reads (first last seq, replays); live gap fills do not queue behind a storm. */
    private final SubscriptionReads reads;
    private final GroupFeeds owner;
    private final Failures failures;
    private final Duration replayWait;
    private final Duration reorderWait;
    private final ScheduledExecutorService timers;
    private final ExecutorService mailbox;
    /** Live subscribers: changed only on the mailbox, read by the repair sweep and health details. */
    private final Set<ClientConnection> subscribers = ConcurrentHashMap.newKeySet();
    /** Subscriptions replaying history, each with the token of its current replay. Only the mailbox touches it. */
    private final Map<ClientConnection, Object> replaying = new HashMap<>();
    /** The last seq emitted, or NOT_STARTED. Written only on the mailbox; read by the repair sweep. */
    private volatile long lastSeq = NOT_STARTED;
    /** Deliveries that came before a seq they follow, by seq, all above lastSeq + 1. Only the mailbox touches it. */
    private final TreeMap<Long, Delivery> held = new TreeMap<>();
    /** Whether a gap check is scheduled for what is held. Only the mailbox touches it. */
    private boolean gapCheckPending;
    /** Only the mailbox touches it. */
    private boolean retired;

    GroupFeed(UUID groupId, MessageService messages, SubscriptionReads reads, GroupFeeds owner, Failures failures,
            Duration replayWait, Duration reorderWait, ScheduledExecutorService timers) {
        this.groupId = groupId;
        this.messages = messages;
        this.reads = reads;
        this.owner = owner;
        this.failures = failures;
        this.replayWait = replayWait;
        this.reorderWait = reorderWait;
        this.timers = timers;
        this.mailbox = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("feed-" + groupId).factory());
        submit(this::started);
    }

    UUID groupId() {
        return groupId;
    }

    Set<ClientConnection> subscribers() {
        return subscribers;
    }

    /** The last seq emitted to live subscribers, or -1 before the feed could read it. */
    long lastSeq() {
        return lastSeq;
    }

    /** A message stored by any instance. */
    boolean published(Delivery delivery) {
        return submit(() -> deliver(delivery));
    }

    /** History says the group's last seq is at least this: emits whatever of it the bus never brought. */
    boolean catchUp(long storedLastSeq) {
        return submit(() -> {
            if (lastSeq != NOT_STARTED && storedLastSeq > lastSeq) {
                fillGap(storedLastSeq);
                emitHeld();
            }
        });
    }

    boolean subscribe(ClientConnection connection, Long afterSeq) {
        return submit(() -> {
            if (retired) {
                owner.subscribe(connection, groupId, afterSeq);
                return;
            }
            if (!started()) {
                failures.subscriptionFailed(connection, groupId, "history is unavailable right now; subscribe again");
                retireIfIdle();
                return;
            }
            connection.send(Frames.subscribed(groupId, lastSeq));
            if (afterSeq != null && afterSeq < lastSeq) {
                startReplay(connection, afterSeq, lastSeq);
            } else {
                subscribers.add(connection);
            }
        });
    }

    boolean unsubscribe(ClientConnection connection, Runnable then) {
        return submit(() -> {
            subscribers.remove(connection);
            replaying.remove(connection);
            if (then != null) {
                then.run();
            }
            retireIfIdle();
        });
    }

    private boolean started() {
        if (lastSeq != NOT_STARTED) {
            return true;
        }
        try {
            lastSeq = reads.read(() -> messages.lastSeq(groupId));
            return true;
        } catch (RuntimeException e) {
            log.warn("group {}: feed cannot read its last seq: {}", groupId, e.toString());
            return false;
        }
    }

    private void deliver(Delivery delivery) {
        if (lastSeq == NOT_STARTED || delivery.seq() <= lastSeq) {
            return;
        }
        if (delivery.seq() > lastSeq + 1) {
            hold(delivery);
            return;
        }
        emit(delivery.seq(), delivery.outbound());
        emitHeld();
    }

    /** Keeps a delivery that came early until the seqs before it arrive, or the reorder wait reads them from history. */
    private void hold(Delivery delivery) {
        held.put(delivery.seq(), delivery);
        owner.heldBack();
        if (held.size() > MAX_HELD) {
            closeGap();
        } else {
            scheduleGapCheck();
        }
    }

    /** Checks the held deliveries once the reorder wait has passed, unless a check is already due. */
    private void scheduleGapCheck() {
        if (!gapCheckPending) {
            gapCheckPending = true;
            timers.schedule(() -> submit(this::gapCheckDue), reorderWait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void gapCheckDue() {
        gapCheckPending = false;
        if (!held.isEmpty() && !retired) {
            closeGap();
        }
    }

    /** Reads what is missing before the first held delivery from history, then emits what can be emitted. */
    private void closeGap() {
        fillGap(held.firstKey() - 1);
        emitHeld();
        if (!held.isEmpty()) {
            scheduleGapCheck(); // history failed us this time: try again after another wait
        }
    }

    /** Emits held deliveries that are next in line and forgets those already emitted (by a history read). */
    private void emitHeld() {
        while (!held.isEmpty() && held.firstKey() <= lastSeq + 1) {
            Delivery next = held.pollFirstEntry().getValue();
            if (next.seq() == lastSeq + 1) {
                emit(next.seq(), next.outbound());
            }
        }
    }

    /** Emits stored seqs up to {@code upTo}; a database error leaves the rest to the next delivery or repair. */
    private void fillGap(long upTo) {
        while (lastSeq < upTo) {
            List<Message> missing = messages.range(groupId, lastSeq, upTo, REPLAY_PAGE);
            if (missing.isEmpty() || missing.getFirst().seq() != lastSeq + 1) {
                log.warn("group {}: seq {} not found in history", groupId, lastSeq + 1);
                return;
            }
            for (Message m : missing) {
                emit(m.seq(), Outbound.live(Frames.message(m), m.createdAt()));
            }
            owner.repaired(missing.size());
        }
    }

    private void emit(long seq, Outbound frame) {
        lastSeq = seq;
        for (ClientConnection subscriber : subscribers) {
            subscriber.send(frame);
        }
    }

    private void startReplay(ClientConnection connection, long from, long to) {
        Object token = new Object();
        replaying.put(connection, token);
        Thread.ofVirtual().name("replay-" + groupId).start(() -> replay(connection, token, from, to));
    }

    /** On the replay's own thread: history after {@code from} up to {@code to} into the socket's buffer. */
    private void replay(ClientConnection connection, Object token, long from, long to) {
        long cursor = from;
        try {
            while (cursor < to) {
                long after = cursor;
                List<Message> page = reads.read(() -> messages.range(groupId, after, to, REPLAY_PAGE));
                if (page.isEmpty()) {
                    break;
                }
                for (Message m : page) {
                    if (!connection.sendPatiently(Outbound.replayed(Frames.message(m)), replayWait)) {
                        return; // the socket is closing: its close handler unsubscribes it
                    }
                }
                cursor = page.getLast().seq();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            log.warn("group {}: replay failed: {}", groupId, e.toString());
            submit(() -> {
                if (replaying.remove(connection, token)) {
                    failures.subscriptionFailed(connection, groupId, "history is unavailable right now; subscribe again");
                    retireIfIdle();
                }
            });
            return;
        }
        long reached = cursor;
        submit(() -> join(connection, token, reached));
    }

    /** On the mailbox, after a replay up to {@code reached}: live from here, or replay what was emitted meanwhile. */
    private void join(ClientConnection connection, Object token, long reached) {
        if (replaying.get(connection) != token) {
            return; // unsubscribed (and perhaps subscribed again) while replaying
        }
        if (reached < lastSeq) {
            startReplay(connection, reached, lastSeq);
            return;
        }
        replaying.remove(connection);
        subscribers.add(connection);
    }

    private void retireIfIdle() {
        if (subscribers.isEmpty() && replaying.isEmpty() && !retired) {
            retired = true;
            held.clear();
            owner.retire(this);
            mailbox.shutdown();
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
