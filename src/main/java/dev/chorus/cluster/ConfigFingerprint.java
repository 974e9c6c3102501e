package dev.chorus.cluster;

/**
 * A setting that must agree across instances, published with the heartbeat as a fingerprint (never the value
 * itself). An instance whose fingerprint does not agree with the cluster's reports not ready with
 * {@code <name>-mismatch}.
 */
public interface ConfigFingerprint {

    /** Short name used in the readiness reason, e.g. {@code jwt-secret}. */
    String name();

    /** A one-way digest of the value, safe to share. */
    String fingerprint();

    /**
     * Whether two instances publishing these fingerprints can serve side by side. Equality, unless a setting allows
     * more (a key set during a rotation). Must be symmetric.
     */
    default boolean compatible(String one, String other) {
        return one.equals(other);
    }
}
