package dev.chorus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: instances on a Redis master, a replica and three Sentinels (quorum 2, a password), reached through
 * REDIS_SENTINELS, REDIS_SENTINEL_MASTER and REDIS_PASSWORD. The master is SIGKILLed under load and stays dead: the
 * bus, presence, locks and the leader follow the promoted replica; nothing acknowledged is lost, and every instance
 * is ready and delivering within 15 s of the master's death.
 */
@Tag("process")
class SentinelFailoverUnderLoadTest {

    @Test
    void theMastersDeathUnderLoadLosesNothingAndEveryInstanceDeliversAgainWithinFifteenSeconds() throws Exception {
        try (ChaosCluster cluster = ChaosCluster.start(ChaosCluster.Topology.SENTINEL, ChaosRun.INSTANCES)) {
            Verdict verdict = FaultsUnderLoadTest.run(cluster, ChaosOptions.parse("sentinel-failover", "--rate", "200",
                    "--duration", "20"));
            FaultsUnderLoadTest.assertKept(verdict);
            assertThat(cluster.redisMasterPort()).as("the Sentinels' master now").isEqualTo(cluster.redisReplicaPort());
        }
    }
}
