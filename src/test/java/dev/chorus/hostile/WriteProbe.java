package dev.chorus.hostile;

import dev.chorus.support.TestCluster;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a hostile request could have written, read straight from the cluster's own database and Redis keys (its
 * database and key prefix are its alone, so nothing else writes there): row counts and seq counters, and the
 * session, revocation and presence keys with their sizes. Keys that change by themselves (heartbeats, leader lease,
 * bus probes, locks, socket quotas) are left out, as are the presence keys of the proof group, which the suite itself
 * subscribes to.
 */
final class WriteProbe implements AutoCloseable {

    private static final String ROWS = "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM groups),"
            + " (SELECT count(*) FROM group_members), (SELECT count(*) FROM messages),"
            + " (SELECT coalesce(sum(last_seq), 0) FROM groups), (SELECT count(*) FROM scheduled_messages),"
            + " (SELECT count(*) FROM scheduled_occurrences)";

    /** Row counts, by name, so that a difference reads as what was written. */
    record Rows(long users, long groups, long groupMembers, long messages, long seqsHandedOut, long scheduledMessages,
            long scheduledOccurrences) {
    }

    /** Key name (without the prefix) → size. */
    record Keys(Map<String, Long> sizes) {
    }

    private final Connection database;
    private final RedisClient redisClient;
    private final StatefulRedisConnection<String, String> redis;
    private final String prefix;
    private final Pattern watched;
    private final String proofGroup;

    WriteProbe(TestCluster cluster, String proofGroup) {
        try {
            this.database = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + cluster.database(), "postgres", "");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        this.redisClient = RedisClient.create(TestCluster.REDIS);
        this.redis = redisClient.connect();
        this.prefix = cluster.redisPrefix();
        this.watched = Pattern.compile("^(sess|sess-rotated|revoked-sess|revocations|presence)(:.*)?$");
        this.proofGroup = proofGroup;
    }

    Rows rows() {
        try (Statement s = database.createStatement(); ResultSet rs = s.executeQuery(ROWS)) {
            rs.next();
            return new Rows(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    Keys keys() {
        RedisCommands<String, String> sync = redis.sync();
        Map<String, Long> sizes = new TreeMap<>();
        ScanIterator<String> keys = ScanIterator.scan(sync, ScanArgs.Builder.matches(prefix + "*").limit(1000));
        while (keys.hasNext()) {
            String key = keys.next();
            String name = key.substring(prefix.length());
            if (watched.matcher(name).matches() && !name.contains(proofGroup)) {
                sizes.put(name, size(sync, key));
            }
        }
        return new Keys(sizes);
    }

    private static long size(RedisCommands<String, String> sync, String key) {
        return switch (sync.type(key)) {
            case "string" -> sync.strlen(key);
            case "hash" -> sync.hlen(key);
            case "set" -> sync.scard(key);
            case "zset" -> sync.zcard(key);
            case "list" -> sync.llen(key);
            case "stream" -> sync.xlen(key);
            default -> -1; // gone between the scan and the look
        };
    }

    @Override
    public void close() {
        try {
            database.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
        redis.close();
        redisClient.shutdown();
    }
}
