package dev.chorus.chaos;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one subscriber saw: every message frame per group with the moment it arrived, and the moments its socket was
 * down. It keeps the raw stream, so the verdict can tell a duplicate (a seq seen before), a message out of order (a
 * seq below the last one, not seen before), and a gap (a seq more than one above the last), and whether a gap came
 * first after a resume. Its socket's reader and the run's thread use it: all state is guarded by this.
 */
final class SubscriberLog {

    /** One message frame: its seq and when it arrived ({@link System#nanoTime()}). */
    record Arrival(long seq, long atNanos) {
    }

    /** An interval during which the socket was not subscribed; {@code toNanos} is Long.MAX_VALUE while it lasts. */
    record Outage(long fromNanos, long toNanos) {

        boolean overlaps(long from, long to) {
            return fromNanos <= to && toNanos >= from;
        }
    }

    /** A replay under way after a resume: since the {@code subscribed} frame, until {@code upToSeq} arrives. */
    private record Replay(long sinceNanos, long upToSeq) {
    }

    private final String name;
    private final String instance;
    private final Map<String, List<Arrival>> arrivals = new HashMap<>();
    private final Map<String, BitSet> seen = new HashMap<>();
    private final Map<String, Map<Long, Long>> firstArrivals = new HashMap<>();
    private final Map<String, Long> last = new HashMap<>();
    private final Set<String> justResumed = new HashSet<>();
    private final List<Outage> outages = new ArrayList<>();
    /** Per group, the replays after a resume: from the {@code subscribed} frame until its lastSeq arrived. */
    private final Map<String, List<Outage>> catchUps = new HashMap<>();
    /** Per group, the replay under way: the {@code subscribed} frame's moment and lastSeq. */
    private final Map<String, Replay> catchingUp = new HashMap<>();
    private long downSince = -1;
    private long duplicates;
    private long outOfOrder;
    private long gaps;
    private long gapsAfterResume;

    SubscriberLog(String name, String instance) {
        this.name = name;
        this.instance = instance;
    }

    String name() {
        return name;
    }

    /** The instance this subscriber's socket is pinned to. */
    String instance() {
        return instance;
    }

    /** The socket closed or failed: the subscriber is down until its next {@link #subscribed}. */
    synchronized void down(long atNanos) {
        if (downSince < 0) {
            downSince = atNanos;
        }
    }

    /**
     * A {@code subscribed} frame for this group, saying the group's last seq: the next message is the first after a
     * (re)subscription, and until {@code lastSeq} arrives the subscriber is catching up (SPEC §4: the replay comes
     * before any live message, so a message sent meanwhile waits for it).
     */
    synchronized void subscribed(String group, long lastSeq, long atNanos) {
        justResumed.add(group);
        if (last.getOrDefault(group, 0L) < lastSeq) {
            catchingUp.put(group, new Replay(atNanos, lastSeq));
        } else {
            catchingUp.remove(group);
        }
        if (downSince >= 0) {
            outages.add(new Outage(downSince, atNanos));
            downSince = -1;
        }
    }

    synchronized void received(String group, long seq, long atNanos) {
        arrivals.computeIfAbsent(group, g -> new ArrayList<>()).add(new Arrival(seq, atNanos));
        BitSet groupSeen = seen.computeIfAbsent(group, g -> new BitSet());
        boolean first = justResumed.remove(group);
        long lastSeq = last.getOrDefault(group, 0L);
        if (seq <= lastSeq) {
            if (groupSeen.get((int) seq)) {
                duplicates++;
            } else {
                outOfOrder++;
            }
        } else {
            if (seq != lastSeq + 1) {
                gaps++;
                if (first) {
                    gapsAfterResume++;
                }
            }
            last.put(group, seq);
        }
        groupSeen.set((int) seq);
        Replay replay = catchingUp.get(group);
        if (replay != null && seq >= replay.upToSeq()) {
            catchUps.computeIfAbsent(group, g -> new ArrayList<>()).add(new Outage(replay.sinceNanos(), atNanos));
            catchingUp.remove(group);
        }
        firstArrivals.computeIfAbsent(group, g -> new HashMap<>()).putIfAbsent(seq, atNanos);
    }

    /** The highest seq received in this group (what a resume asks to continue after). */
    synchronized long lastSeq(String group) {
        return last.getOrDefault(group, 0L);
    }

    synchronized boolean has(String group, long seq) {
        BitSet groupSeen = seen.get(group);
        return groupSeen != null && groupSeen.get((int) seq);
    }

    /** When this seq first arrived, or -1. */
    synchronized long firstArrival(String group, long seq) {
        return firstArrivals.getOrDefault(group, Map.of()).getOrDefault(seq, -1L);
    }

    /** Whether this group's replay after a resume was under way at any moment of [from, to]. */
    synchronized boolean catchingUpDuring(String group, long fromNanos, long toNanos) {
        Replay replay = catchingUp.get(group);
        if (replay != null && replay.sinceNanos() <= toNanos) {
            return true;
        }
        return catchUps.getOrDefault(group, List.of()).stream().anyMatch(o -> o.overlaps(fromNanos, toNanos));
    }

    /** Whether the socket was down at any moment of [from, to]. */
    synchronized boolean downDuring(long fromNanos, long toNanos) {
        if (downSince >= 0 && downSince <= toNanos) {
            return true;
        }
        return outages.stream().anyMatch(o -> o.overlaps(fromNanos, toNanos));
    }

    /** The number of message frames received in all groups. */
    synchronized long delivered() {
        return arrivals.values().stream().mapToLong(List::size).sum();
    }

    /** Whether the seqs this subscriber holds in the group are exactly 1..upTo, received in that order once each. */
    synchronized boolean holdsExactlyInOrder(String group, long upTo) {
        List<Arrival> got = arrivals.getOrDefault(group, List.of());
        if (got.size() != upTo) {
            return false;
        }
        for (int i = 0; i < got.size(); i++) {
            if (got.get(i).seq() != i + 1) {
                return false;
            }
        }
        return true;
    }

    synchronized long duplicates() {
        return duplicates;
    }

    synchronized long outOfOrder() {
        return outOfOrder;
    }

    synchronized long gaps() {
        return gaps;
    }

    synchronized long gapsAfterResume() {
        return gapsAfterResume;
    }
}
