package dev.chorus.chaos;

import dev.chorus.chaos.ChaosCluster.Topology;
import dev.chorus.chaos.RunRecord.Window;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The faults a chaos run can inject, each on the cluster it needs. A fault either is one act ({@code mend} null: a
 * kill and restart, a rolling restart, a master's death) or an outage: {@code strike}, the outage's length, then
 * {@code mend}. {@link #inject} runs the whole fault and says when it began and ended.
 */
enum Scenario {

    /** SIGKILL of one instance of three, started again at once under the same id; over once it is ready. */
    KILL_INSTANCE("kill-instance", Topology.PLAIN, c -> c.killAndRestart(0), null),
    /** Every instance in turn: out of nginx's rotation, SIGTERM, started again, ready, back in. */
    ROLLING_RESTART("rolling-restart", Topology.PLAIN, ChaosCluster::rollingRestart, null),
    /** SIGKILL of the Redis master; it stays dead. Recovery is counted from its death. */
    SENTINEL_FAILOVER("sentinel-failover", Topology.SENTINEL, ChaosCluster::killRedisMaster, null),
    /** SIGKILL of the Redis Cluster master serving the bus's slot; it stays dead. Recovery is counted from its death. */
    REDIS_CLUSTER_MASTER_KILL("redis-cluster-master-kill", Topology.CLUSTER, ChaosCluster::killRedisClusterMaster, null),
    /** Redis killed, started again (empty) after the outage. */
    REDIS_OUTAGE("redis-outage", Topology.PLAIN, ChaosCluster::stopRedis, ChaosCluster::startRedis),
    /** PostgreSQL gone for the outage (connections closed, new ones refused), then back. */
    POSTGRES_RESTART("postgres-restart", Topology.PLAIN, ChaosCluster::stopPostgres, ChaosCluster::startPostgres),
    /** The last instance loses Redis for the outage while the others keep it; then the network heals. */
    PARTITION("partition", Topology.PLAIN, ChaosCluster::partitionLastInstance, ChaosCluster::healPartition);

    private final String label;
    private final Topology topology;
    private final Consumer<ChaosCluster> strike;
    private final Consumer<ChaosCluster> mend;

    Scenario(String label, Topology topology, Consumer<ChaosCluster> strike, Consumer<ChaosCluster> mend) {
        this.label = label;
        this.topology = topology;
        this.strike = strike;
        this.mend = mend;
    }

    /** Injects the fault and returns when it began and ended ({@link System#nanoTime()}). */
    Window inject(ChaosCluster cluster, Duration outage) {
        long start = System.nanoTime();
        strike.accept(cluster);
        if (mend != null) {
            try {
                Thread.sleep(outage); // the outage's length, not a wait for an outcome
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            mend.accept(cluster);
        }
        long end = System.nanoTime();
        // A Sentinel set or a cluster heals itself while its master stays dead: recovery counts from the death.
        return new Window(start, end, this == SENTINEL_FAILOVER || this == REDIS_CLUSTER_MASTER_KILL ? start : end);
    }

    /** Whether the fault lasts {@code --outage} seconds (it has something to mend). */
    boolean isOutage() {
        return mend != null;
    }

    String label() {
        return label;
    }

    Topology topology() {
        return topology;
    }

    static Scenario of(String label) {
        return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + label + "'; one of " + labels()));
    }

    static String labels() {
        return Arrays.stream(values()).map(Scenario::label).collect(Collectors.joining(", "));
    }
}
