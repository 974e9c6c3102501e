package dev.chorus.cluster;

import java.util.List;

/** The live instances of the cluster, as their heartbeats in Redis tell. */
public interface InstanceRegistry {

    /** Instances whose last heartbeat is younger than the instance TTL, this one included once it has beaten. */
    List<InstanceRecord> liveInstances();
}
