package dev.chorus.replicas.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;

/**
 * How far behind the primary a replica is, in time, from write-ahead-log positions: the primary's position is
 * sampled at every check, and a replica that has replayed up to position P has seen everything the primary had
 * written by the newest sample at or below P, so its lag is the time since that sample. Unlike
 * {@code now() - pg_last_xact_replay_timestamp()} this does not grow while the primary is idle, and it never
 * reports a replica more current than it is. All state is guarded by {@code this}.
 */
final class ReplicationLag {

    /** The primary's WAL position (bytes from 0/0) at a moment. */
    private record Sample(Instant at, long position) {
    }

    private final Duration horizon;
    /** Oldest first. Guarded by this. */
    private final Deque<Sample> samples = new ArrayDeque<>();

    /** Samples older than {@code horizon} are dropped: lags beyond it are reported as at least it. */
    ReplicationLag(Duration horizon) {
        this.horizon = horizon;
    }

    synchronized void primaryAt(Instant at, long position) {
        samples.addLast(new Sample(at, position));
        while (samples.size() > 1 && samples.peekFirst().at().isBefore(at.minus(horizon))) {
            samples.removeFirst();
        }
    }

    /** Empty before the primary's first sample; the lag of a replica that has replayed up to {@code replayed}. */
    synchronized Optional<Duration> lagOf(long replayed, Instant now) {
        if (samples.isEmpty()) {
            return Optional.empty();
        }
        Instant seenUpTo = null;
        for (Iterator<Sample> newestFirst = samples.descendingIterator(); newestFirst.hasNext(); ) {
            Sample s = newestFirst.next();
            if (s.position() <= replayed) {
                seenUpTo = s.at();
                break;
            }
        }
        Instant since = seenUpTo != null ? seenUpTo : samples.peekFirst().at();
        return Optional.of(positive(Duration.between(since, now)));
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
