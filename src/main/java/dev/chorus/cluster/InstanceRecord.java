package dev.chorus.cluster;

import java.time.Instant;
import java.util.Map;

/** One instance as its heartbeat describes it in the Redis registry. */
public record InstanceRecord(String instanceId, Instant startedAt, Instant lastSeen, String version,
        Map<String, String> fingerprints, boolean leader, int websocketConnections) {
}
