package dev.chorus.realtime.internal;

import dev.chorus.groups.MessageService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Makes delivery independent of later messages (SPEC §4): every second, one query reads the last seq of every group
 * with a live feed on this instance, and a feed still behind what history held one sweep earlier is told to catch
 * up from history. Waiting one sweep leaves publications in flight time to arrive on their own, so under load the
 * sweep reads nothing; a publication that was lost (the posting instance killed between commit and publish, a
 * dropped pub/sub connection, a Redis failover) is delivered within two sweeps.
 */
@Component
class FeedRepair {

    private static final Logger log = LoggerFactory.getLogger(FeedRepair.class);
    private static final int CHUNK = 1000;

    private final GroupFeeds feeds;
    private final MessageService messages;
    /** The stored last seqs seen by the previous sweep. Only the scheduler's thread touches it. */
    private Map<UUID, Long> previous = Map.of();

    FeedRepair(GroupFeeds feeds, MessageService messages) {
        this.feeds = feeds;
        this.messages = messages;
    }

    @Scheduled(fixedDelayString = "${chorus.realtime.repair-interval:PT1S}")
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
