package dev.chorus.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Named locks shared by every instance. A lock expires unless its holder renews it, is renewed automatically while
 * held, and is released only by its holder. Locks keep instances from doing the same work twice; they are an
 * optimisation, never the guarantee: correctness must rest on the database.
 */
public interface DistributedLocks {

    /** Takes the lock if nobody holds it; empty when another holder has it. */
    Optional<HeldLock> tryAcquire(String name, Duration ttl);

    /** Releases the lock only if {@code ownerToken} is the current holder's; false otherwise. */
    boolean release(String name, String ownerToken);

    /** Every lock held right now, in any instance. */
    List<LockInfo> held();
}
