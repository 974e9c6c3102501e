package dev.chorus.chaos;

import dev.chorus.deploy.BalancedCluster;
import dev.chorus.support.Api;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.RedisCluster;
import dev.chorus.support.RedisSentinels;
import dev.chorus.support.RedisServer;
import dev.chorus.support.TcpProxy;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster a chaos run breaks, all of its own on loopback: instance processes behind nginx, PostgreSQL reached
 * through a {@link TcpProxy} (a database of its own on the machine's server, whose restart is played by cutting the
 * proxy: the machine's PostgreSQL is shared and never touched), and either a private redis-server, which the last
 * instance reaches through a proxy of its own (for a partition), or a private Sentinel set (master, replica, three
 * Sentinels, quorum 2, a password), or a private Redis Cluster (three masters with a replica each, a password).
 */
final class ChaosCluster implements AutoCloseable {

    /** Any key with the bus's hash tag (RedisKeys#tag("bus")): it lands on the bus's slot. */
    static final String BUS_SLOT_KEY = "{bus}";

    /** Which Redis the instances use. */
    enum Topology { PLAIN, SENTINEL, CLUSTER }

    private final BalancedCluster cluster;
    private final TcpProxy postgres;
    private final RedisServer redis;
    private final TcpProxy partitionable;
    private final RedisSentinels sentinels;
    private final RedisCluster redisCluster;

    private ChaosCluster(BalancedCluster cluster, TcpProxy postgres, RedisServer redis, TcpProxy partitionable,
            RedisSentinels sentinels, RedisCluster redisCluster) {
        this.cluster = cluster;
        this.postgres = postgres;
        this.redis = redis;
        this.partitionable = partitionable;
        this.sentinels = sentinels;
        this.redisCluster = redisCluster;
    }

    static ChaosCluster start(Topology topology, int instances) {
        TestCluster database = new TestCluster();
        TcpProxy postgres = null;
        RedisServer redis = null;
        TcpProxy partitionable = null;
        RedisSentinels sentinels = null;
        RedisCluster redisCluster = null;
        try {
            postgres = new TcpProxy("127.0.0.1", 5432);
            database.with("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + postgres.port() + "/" + database.database())
                    // Sign-ups wait for a hashing slot rather than fail on a loaded machine.
                    .with("PASSWORD_HASH_WAIT", "PT60S").with("RATE_LIMIT_LOGIN", "0");
            Map<String, String> last = new HashMap<>();
            if (topology == Topology.SENTINEL) {
                sentinels = new RedisSentinels();
                sentinels.env().forEach(database::with);
            } else if (topology == Topology.CLUSTER) {
                redisCluster = new RedisCluster();
                redisCluster.env().forEach(database::with);
            } else {
                redis = new RedisServer();
                partitionable = new TcpProxy("127.0.0.1", redis.port());
                database.with("REDIS_URL", redis.url());
                last.put("REDIS_URL", "redis://127.0.0.1:" + partitionable.port());
            }
            BalancedCluster started = BalancedCluster.start(Balancer.Kind.NGINX, "chaos", instances, database,
                    i -> i == instances ? last : Map.of());
            return new ChaosCluster(started, postgres, redis, partitionable, sentinels, redisCluster);
        } catch (RuntimeException e) {
            database.close();
            for (AutoCloseable part : new AutoCloseable[] {postgres, redis, partitionable, sentinels, redisCluster}) {
                closeQuietly(part);
            }
            throw e;
        }
    }

    /** The balancer: publishers and set-up go through it. */
    Api api() {
        return cluster.api();
    }

    /** Instance id → port, in order. */
    Map<String, Integer> instancePorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        cluster.processes().forEach(p -> ports.put(p.id(), p.port()));
        return ports;
    }

    List<ChorusProcess> processes() {
        return cluster.processes();
    }

    /** SIGKILL of instance {@code index} (0-based), then started again at once under the same id and port. */
    void killAndRestart(int index) {
        ChorusProcess victim = cluster.processes().get(index);
        victim.kill();
        cluster.restart(victim);
    }

    /** Each instance in turn: out of nginx's rotation, SIGTERM (drain, 1012), started again, ready, back in. */
    void rollingRestart() {
        for (ChorusProcess process : cluster.processes()) {
            cluster.balancer.takeOut(process.id());
            process.terminate(Duration.ofSeconds(60));
            ChorusProcess back = cluster.restart(process);
            cluster.balancer.putBack(back.id());
        }
    }

    /** SIGKILL of the Redis master: the Sentinels promote the replica. */
    void killRedisMaster() {
        requireSentinels().killMaster();
    }

    /** The port of the Redis master as the Sentinels name it now. */
    int redisMasterPort() {
        return requireSentinels().currentMasterPort();
    }

    int redisReplicaPort() {
        return requireSentinels().replicaPort();
    }

    /**
     * SIGKILL of the Redis Cluster master that serves the cluster bus's hash slot (sharded pub/sub: fan-out), the
     * master whose death the instances feel most; its replica takes over.
     */
    void killRedisClusterMaster() {
        RedisCluster nodes = requireRedisCluster();
        nodes.kill(nodes.masterOf(BUS_SLOT_KEY));
    }

    /** The private Redis Cluster, for checks on its nodes. */
    RedisCluster redisCluster() {
        return requireRedisCluster();
    }

    /** SIGKILL of the private Redis (it comes back empty: no persistence, the harder case). */
    void stopRedis() {
        requirePlain().kill();
    }

    void startRedis() {
        requirePlain().start();
    }

    /** PostgreSQL as seen by the instances goes away: every connection closed, new ones refused. */
    void stopPostgres() {
        postgres.cut();
    }

    void startPostgres() {
        postgres.restore();
    }

    /** The last instance loses Redis (every byte held both ways) while the others keep it. */
    void partitionLastInstance() {
        requirePlain();
        partitionable.partition();
    }

    void healPartition() {
        partitionable.heal();
    }

    /** The id of the instance {@link #partitionLastInstance} cuts off. */
    String partitionedInstance() {
        return cluster.processes().getLast().id();
    }

    private RedisServer requirePlain() {
        if (redis == null) {
            throw new IllegalStateException("this scenario needs the cluster with a private redis-server, not Sentinels");
        }
        return redis;
    }

    private RedisCluster requireRedisCluster() {
        if (redisCluster == null) {
            throw new IllegalStateException("this scenario needs the cluster with a Redis Cluster");
        }
        return redisCluster;
    }

    private RedisSentinels requireSentinels() {
        if (sentinels == null) {
            throw new IllegalStateException("this scenario needs the cluster with Sentinels");
        }
        return sentinels;
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            for (AutoCloseable part : new AutoCloseable[] {postgres, redis, partitionable, sentinels, redisCluster}) {
                closeQuietly(part);
            }
        }
    }

    private static void closeQuietly(AutoCloseable part) {
        if (part == null) {
            return;
        }
        try {
            part.close();
        } catch (Exception e) {
            System.err.println("chaos: could not stop " + part + ": " + e);
        }
    }
}
