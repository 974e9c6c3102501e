package dev.chorus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: instances on a Redis Cluster (three masters with a replica each, a password) reached through
 * REDIS_CLUSTER_NODES. The master serving the bus's hash slot is SIGKILLed under load and stays dead: its replica
 * takes over, the instances follow it (topology refresh for commands, a new shard subscription for the bus);
 * nothing acknowledged is lost, and every instance is ready and delivering within 15 s of the master's death.
 */
@Tag("process")
class RedisClusterFailoverUnderLoadTest {

    @Test
    void theBusMastersDeathUnderLoadLosesNothingAndEveryInstanceDeliversAgainWithinFifteenSeconds() throws Exception {
        try (ChaosCluster cluster = ChaosCluster.start(ChaosCluster.Topology.CLUSTER, ChaosRun.INSTANCES)) {
            int master = cluster.redisCluster().masterOf(ChaosCluster.BUS_SLOT_KEY);
            int replica = cluster.redisCluster().replicaOf(master);
            Verdict verdict = FaultsUnderLoadTest.run(cluster, ChaosOptions.parse("redis-cluster-master-kill", "--rate", "200",
                    "--duration", "20"));
            FaultsUnderLoadTest.assertKept(verdict);
            assertThat(cluster.redisCluster().masterOf(ChaosCluster.BUS_SLOT_KEY)).as("the bus slot's master now").isEqualTo(replica);
        }
    }
}
