package dev.chorus.cluster;

import java.util.OptionalLong;

/**
 * Whether this instance is the cluster's leader. At most one live instance holds the lease at a time; each new
 * leader gets a fencing token larger than every earlier one, so work stamped with an old token can be refused.
 */
public interface Leadership {

    boolean isLeader();

    /** The fencing token of this instance's current term, empty when it is not the leader. */
    OptionalLong fencingToken();
}
