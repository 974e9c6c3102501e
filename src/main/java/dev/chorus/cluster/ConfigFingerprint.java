package dev.chorus.cluster;

/**
 * A setting that must be identical on every instance, published with the heartbeat as a fingerprint (never the
 * value itself). An instance whose fingerprint differs from its live peers' reports not ready with
 * {@code <name>-mismatch}.
 */
public interface ConfigFingerprint {

    /** Short name used in the readiness reason, e.g. {@code jwt-secret}. */
    String name();

    /** A one-way digest of the value, safe to share. */
    String fingerprint();
}
