package dev.chorus.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Who is where in the fan-out benchmark, decided before anything connects. Subscriber i listens to group
 * {@code i % groups}; message k goes to group {@code k % groups} through publisher {@code k % publishers}.
 * Subscribers and publishers are different users, each holding at most {@code socketsPerUser} sockets (SPEC's
 * per-user socket limit), so a user joins only the groups its own sockets need. Publisher user 0 owns every group;
 * the other publisher users are members of all of them.
 */
record FanOutLayout(int subscribers, int groups, int publishers, int socketsPerUser) {

    FanOutLayout {
        if (subscribers < 1 || groups < 1 || publishers < 1 || socketsPerUser < 1) {
            throw new IllegalArgumentException("subscribers, groups, publishers and sockets per user must be positive");
        }
    }

    int groupOfSubscriber(int subscriber) {
        return subscriber % groups;
    }

    int groupOfMessage(long k) {
        return (int) (k % groups);
    }

    int publisherOfMessage(long k) {
        return (int) (k % publishers);
    }

    /** How many subscribers each group has: exact, since subscribers need not divide evenly over groups. */
    long[] subscribersPerGroup() {
        long[] counts = new long[groups];
        for (int i = 0; i < subscribers; i++) {
            counts[groupOfSubscriber(i)]++;
        }
        return counts;
    }

    /** The deliveries owed for these acknowledged messages per group: each reaches every subscriber of its group. */
    long expectedDeliveries(long[] ackedPerGroup) {
        long[] perGroup = subscribersPerGroup();
        long expected = 0;
        for (int g = 0; g < groups; g++) {
            expected += ackedPerGroup[g] * perGroup[g];
        }
        return expected;
    }

    int subscriberUsers() {
        return ceilDiv(subscribers, socketsPerUser);
    }

    int publisherUsers() {
        return ceilDiv(publishers, socketsPerUser);
    }

    int userOfSubscriber(int subscriber) {
        return subscriber / socketsPerUser;
    }

    int userOfPublisher(int publisher) {
        return publisher / socketsPerUser;
    }

    /** For each subscriber user, the groups its sockets subscribe to (ascending). */
    List<TreeSet<Integer>> subscriberUserGroups() {
        List<TreeSet<Integer>> groupsOfUser = new ArrayList<>();
        for (int u = 0; u < subscriberUsers(); u++) {
            groupsOfUser.add(new TreeSet<>());
        }
        for (int i = 0; i < subscribers; i++) {
            groupsOfUser.get(userOfSubscriber(i)).add(groupOfSubscriber(i));
        }
        return groupsOfUser;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
