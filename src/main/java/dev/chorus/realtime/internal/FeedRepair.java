package dev.chorus.realtime.internal;

import dev.chorus.groups.MessageService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Makes delivery independent of later messages (SPEC §4): every second, one query reads the last seq of every group
 * with a live feed on this instance, and a feed still behind what history held one sweep earlier is told to catch
 * up from history. Waiting one sweep leaves publications in flight time to arrive on their own, so under load the
 * sweep reads nothing; a publication that was lost (the posting instance killed between commit and publish, a
 * dropped pub/sub connection, a Redis failover) is delivered within two sweeps.
 *
 * <p>The sweep runs on a thread of its own, not on the shared scheduler: Spring runs every fixed-delay task on one
 * scheduler thread, where tasks that talk to Redis (the authority sweep, the scheduler's lock, presence) each wait
 * their 2 s command timeout while Redis is down, and repair, the one path that still delivers then, fell seconds
 * behind (issue 12: deliveries more than 5 s late during a Redis outage).
 */
@Component
class FeedRepair implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FeedRepair.class);
    private static final int CHUNK = 1000;

    private final GroupFeeds feeds;
    private final MessageService messages;
    private final Duration interval;
    /** The stored last seqs seen by the previous sweep. Only the sweep's thread touches it. */
    private Map<UUID, Long> previous = Map.of();
    /** Set by start(), cleared by stop(); the lifecycle's thread only. */
    private ScheduledExecutorService sweeper;

    FeedRepair(GroupFeeds feeds, MessageService messages,
            @Value("${chorus.realtime.repair-interval:PT1S}") Duration interval) {
        this.feeds = feeds;
        this.messages = messages;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("feed-repair").daemon().factory());
        sweeper.scheduleWithFixedDelay(this::sweepSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return sweeper != null;
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("feed repair sweep failed: {}", e.toString()); // the executor would stop repeating it otherwise
        }
    }

    void sweep() {
        List<GroupFeed> live = new ArrayList<>(feeds.live());
        Map<UUID, Long> stored = new HashMap<>();
        try {
            for (int i = 0; i < live.size(); i += CHUNK) {
                stored.putAll(messages.lastSeqs(live.subList(i, Math.min(live.size(), i + CHUNK)).stream()
                        .map(GroupFeed::groupId).toList()));
            }
        } catch (RuntimeException e) {
            log.debug("feed repair sweep skipped: {}", e.toString());
            return;
        }
        for (GroupFeed feed : live) {
            Long due = previous.get(feed.groupId());
            if (due != null && feed.lastSeq() >= 0 && feed.lastSeq() < due) {
                feed.catchUp(due);
            }
        }
        previous = stored;
    }
}
