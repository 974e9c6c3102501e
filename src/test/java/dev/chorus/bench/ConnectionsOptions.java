package dev.chorus.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The connection benchmark's command line: {@code --url} (the balancer), {@code --run-dir} (where the bench cluster
 * keeps {@code bench-N.pid} and {@code bench-N.port}), {@code --instances}, {@code --count} sockets over
 * {@code --groups} groups, {@code --per-user} sockets a user holds (SPEC's WS_MAX_SOCKETS_PER_USER default),
 * {@code --connecting} handshakes in flight at once, {@code --idle} seconds to wait before measuring, {@code --rest}
 * seconds of CPU at rest, {@code --direct} (sockets to bench-1 itself, not through the balancer) and {@code --storm}
 * (stop each instance in turn with SIGTERM and time the reconnections; needs two instances), {@code --jitter-ms} the
 * most a client waits before it reconnects.
 */
record ConnectionsOptions(String url, Path runDir, int instances, int count, int groups, int perUser, int connecting,
        int idleS, int restS, boolean direct, boolean storm, int jitterMs) {

    private static final Set<String> KNOWN = Set.of("url", "run-dir", "instances", "count", "groups", "per-user",
            "connecting", "idle", "rest", "jitter-ms");

    static ConnectionsOptions parse(String... argv) {
        Map<String, String> args = new HashMap<>();
        boolean direct = false;
        boolean storm = false;
        for (int i = 0; i < argv.length; i++) {
            String name = argv[i].replaceFirst("^--", "");
            if (name.equals("direct")) {
                direct = true;
            } else if (name.equals("storm")) {
                storm = true;
            } else if (KNOWN.contains(name) && i + 1 < argv.length) {
                args.put(name, argv[++i]);
            } else {
                throw new IllegalArgumentException("unknown option or missing value: " + argv[i]);
            }
        }
        if (!args.containsKey("url") || !args.containsKey("run-dir")) {
            throw new IllegalArgumentException("--url (the balancer) and --run-dir (the bench cluster's state) are needed");
        }
        int instances = number(args, "instances", 1);
        if (storm && (instances < 2 || direct)) {
            throw new IllegalArgumentException("--storm needs --instances 2 or more and the balancer (not --direct)");
        }
        return new ConnectionsOptions(args.get("url"), Path.of(args.get("run-dir")), instances,
                number(args, "count", 20_000), number(args, "groups", 100), number(args, "per-user", 20),
                number(args, "connecting", 200), number(args, "idle", 10), number(args, "rest", 30), direct, storm,
                number(args, "jitter-ms", 2000));
    }

    /** Users the run needs: each holds up to perUser sockets. */
    int users() {
        return (count + perUser - 1) / perUser;
    }

    /** Socket i belongs to user i / perUser, and all of a user's sockets subscribe to that user's one group. */
    int userOf(int socket) {
        return socket / perUser;
    }

    int groupOfUser(int user) {
        return user % groups;
    }

    private static int number(Map<String, String> args, String name, int fallback) {
        int value = args.containsKey(name) ? Integer.parseInt(args.get(name)) : fallback;
        if (value < 0 || (value == 0 && !Set.of("idle", "rest", "jitter-ms").contains(name))) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
        return value;
    }
}
