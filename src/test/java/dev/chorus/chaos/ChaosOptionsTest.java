package dev.chorus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChaosOptionsTest {

    @Test
    void aScenarioAloneRunsTwoHundredMessagesASecondForTwentySecondsWithTheFaultAtFive() {
        ChaosOptions options = ChaosOptions.parse("redis-outage");
        assertThat(options.scenario()).isEqualTo(Scenario.REDIS_OUTAGE);
        assertThat(options).extracting(ChaosOptions::rate, ChaosOptions::durationS, ChaosOptions::faultAtS, ChaosOptions::outageS)
                .containsExactly(200, 20, 5, 20);
        assertThat(ChaosOptions.parse("postgres-restart").outageS()).isEqualTo(10);
    }

    @Test
    void optionsOverrideTheDefaults() {
        ChaosOptions options = ChaosOptions.parse("partition", "--rate", "50", "--duration", "8", "--outage", "3",
                "--groups", "2", "--subscribers-per-instance", "1");
        assertThat(options).extracting(ChaosOptions::rate, ChaosOptions::durationS, ChaosOptions::faultAtS,
                ChaosOptions::outageS, ChaosOptions::groups, ChaosOptions::subscribersPerInstance)
                .containsExactly(50, 8, 2, 3, 2, 1);
    }

    @Test
    void everyScenarioOfTheIssueHasAName() {
        for (String name : new String[] {"kill-instance", "rolling-restart", "sentinel-failover", "redis-outage",
                "postgres-restart", "partition", "redis-cluster-master-kill"}) {
            assertThat(ChaosOptions.parse(name).scenario().label()).isEqualTo(name);
        }
    }

    @Test
    void malformedOrHostileCommandLinesAreRefusedWithOneClearMessage() {
        assertThatThrownBy(() -> ChaosOptions.parse()).hasMessageStartingWith("name a scenario first");
        assertThatThrownBy(() -> ChaosOptions.parse("--rate", "5")).hasMessageStartingWith("name a scenario first");
        assertThatThrownBy(() -> ChaosOptions.parse("rm -rf /")).hasMessageStartingWith("unknown scenario");
        assertThatThrownBy(() -> ChaosOptions.parse("partition", "--rate")).hasMessageStartingWith("unknown option or missing value");
        assertThatThrownBy(() -> ChaosOptions.parse("partition", "--speed", "5")).hasMessageStartingWith("unknown option");
        assertThatThrownBy(() -> ChaosOptions.parse("partition", "--rate", "ten")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> ChaosOptions.parse("partition", "--rate", "0")).hasMessageContaining("between 1 and 5000");
        assertThatThrownBy(() -> ChaosOptions.parse("partition", "--rate", "999999999999")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> ChaosOptions.parse("partition", "--duration", "-1")).hasMessageContaining("between 1 and 600");
        assertThatThrownBy(() -> ChaosOptions.parse("partition", "--rate", "5", "--rate", "6")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> ChaosOptions.parse("kill-instance", "--outage", "5")).hasMessageContaining("has no outage");
    }
}
