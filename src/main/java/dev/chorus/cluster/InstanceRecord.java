package dev.chorus.cluster;

import dev.chorus.system.BuildInfo;
import java.time.Instant;
import java.util.Map;

/**
 * One instance as its heartbeat describes it in the Redis registry. {@code build} is null in the heartbeat of an
 * instance of a build older than the field (peers ignore fields they do not know, so mixed builds read each other).
 */
public record InstanceRecord(String instanceId, Instant startedAt, Instant lastSeen, String version,
        Map<String, String> fingerprints, boolean leader, int websocketConnections, BuildInfo build) {
}
