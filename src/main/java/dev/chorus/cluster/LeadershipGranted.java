package dev.chorus.cluster;

/** This instance became the leader, with the given fencing token. */
public record LeadershipGranted(String instanceId, long fencingToken) {
}
