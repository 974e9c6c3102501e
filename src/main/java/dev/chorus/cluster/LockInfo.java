package dev.chorus.cluster;

import java.time.Instant;

/** A held lock as {@code /admin/locks} shows it. */
public record LockInfo(String name, String holder, Instant acquiredAt, Instant expiresAt) {
}
