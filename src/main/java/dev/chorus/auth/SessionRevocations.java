package dev.chorus.auth;

import java.time.Instant;
import java.util.Map;

/**
 * The log of recent session revocations shared by every instance, for whoever must act on them without asking for
 * each token (open WebSockets): sessions revoked at or after a moment, with when. Entries older than an access
 * token's lifetime (plus the allowed clock skew) are forgotten, since no token of theirs validates any more.
 */
public interface SessionRevocations {

    Map<String, Instant> revokedSince(Instant since);
}
