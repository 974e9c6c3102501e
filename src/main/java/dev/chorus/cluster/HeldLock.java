package dev.chorus.cluster;

/**
 * A lock this instance holds. Life cycle: held (renewed in the background) → released by {@link #close()}, or lost
 * when a renewal finds the lock expired or taken; {@link #isHeld()} tells which.
 */
public interface HeldLock extends AutoCloseable {

    String name();

    /** The token that proves ownership; unique per acquisition. */
    String ownerToken();

    boolean isHeld();

    @Override
    void close();
}
