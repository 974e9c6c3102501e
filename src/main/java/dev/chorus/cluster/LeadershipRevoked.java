package dev.chorus.cluster;

/** This instance stopped being the leader (lease lost, or handed off on shutdown). */
public record LeadershipRevoked(String instanceId, long fencingToken) {
}
