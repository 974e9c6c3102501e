package dev.chorus.ops;

import java.util.Optional;

/** A reason this instance should not take traffic, contributed by a module; empty while all is well. */
public interface ReadinessCheck {

    /** A short machine-readable reason such as {@code jwt-secret-mismatch}, or empty when ready. */
    Optional<String> problem();
}
