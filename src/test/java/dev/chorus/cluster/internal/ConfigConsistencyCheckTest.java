package dev.chorus.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.cluster.InstanceRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigConsistencyCheckTest {

    static InstanceRecord instance(String id, long startedAt, String fingerprint) {
        return new InstanceRecord(id, Instant.ofEpochSecond(startedAt), Instant.ofEpochSecond(1000), "dev",
                Map.of("jwt-secret", fingerprint), false, 0, null);
    }

    @Test
    void theValueMostInstancesCarryIsTheAgreedOne() {
        List<InstanceRecord> live = List.of(instance("a", 1, "x"), instance("b", 2, "x"), instance("c", 0, "y"));
        assertThat(ConfigConsistencyCheck.agreedValue("jwt-secret", "y", live)).isEqualTo("x");
    }

    @Test
    void onATieTheLongestRunningInstanceWins() {
        List<InstanceRecord> live = List.of(instance("new", 50, "y"), instance("old", 10, "x"));
        assertThat(ConfigConsistencyCheck.agreedValue("jwt-secret", "y", live)).isEqualTo("x");
    }

    @Test
    void aLoneInstanceAgreesWithItself() {
        assertThat(ConfigConsistencyCheck.agreedValue("jwt-secret", "z", List.of())).isEqualTo("z");
    }
}
