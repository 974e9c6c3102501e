package dev.chorus.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.cluster.ConfigFingerprint;
import dev.chorus.cluster.internal.ConfigConsistencyCheck.Holder;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

class ConfigConsistencyCheckTest {

    /** Plain settings: compatible means equal (ConfigFingerprint's default). */
    static final BiPredicate<String, String> EQUAL = (a, b) -> a.equals(b);
    /** Key sets as JwtKeyFingerprint publishes them: the signer first; each signer must be among the other's keys. */
    static final BiPredicate<String, String> KEY_SETS = (a, b) -> {
        List<String> x = Arrays.asList(a.split(","));
        List<String> y = Arrays.asList(b.split(","));
        return y.contains(x.getFirst()) && x.contains(y.getFirst());
    };

    static Holder holder(String id, long startedAt, String value) {
        return new Holder(id, Instant.ofEpochSecond(startedAt), value);
    }

    @Test
    void theValueMostInstancesCarryWins() {
        List<Holder> live = List.of(holder("a", 1, "x"), holder("b", 2, "x"), holder("c", 0, "y"));
        assertThat(ConfigConsistencyCheck.agrees(holder("c", 0, "y"), live, EQUAL)).isFalse();
        assertThat(ConfigConsistencyCheck.agrees(holder("a", 1, "x"), live, EQUAL)).isTrue();
        assertThat(ConfigConsistencyCheck.agrees(holder("b", 2, "x"), live, EQUAL)).isTrue();
    }

    @Test
    void onATieTheLongestRunningInstanceWins() {
        List<Holder> live = List.of(holder("new", 50, "y"), holder("old", 10, "x"));
        assertThat(ConfigConsistencyCheck.agrees(holder("new", 50, "y"), live, EQUAL)).isFalse();
        assertThat(ConfigConsistencyCheck.agrees(holder("old", 10, "x"), live, EQUAL)).isTrue();
    }

    @Test
    void aLoneInstanceAgreesWithItselfEvenBeforeItsFirstHeartbeat() {
        assertThat(ConfigConsistencyCheck.agrees(holder("z", 1, "z"), List.of(), EQUAL)).isTrue();
    }

    @Test
    void theInstancesOwnValueCountsNotTheOneItPublishedBefore() {
        List<Holder> live = List.of(holder("a", 1, "x"), holder("b", 2, "x"));
        assertThat(ConfigConsistencyCheck.agrees(holder("b", 2, "y"), live, EQUAL)).isFalse();
    }

    @Test
    void everyStepOfARotationDoneInOrderKeepsEveryInstanceReady() {
        List<List<String>> steps = List.of(
                List.of("k1", "k1", "k1"),
                List.of("k1,k2", "k1", "k1"), List.of("k1,k2", "k1,k2", "k1"), List.of("k1,k2", "k1,k2", "k1,k2"),
                List.of("k2,k1", "k1,k2", "k1,k2"), List.of("k2,k1", "k2,k1", "k1,k2"), List.of("k2,k1", "k2,k1", "k2,k1"),
                List.of("k2", "k2,k1", "k2,k1"), List.of("k2", "k2", "k2,k1"), List.of("k2", "k2", "k2"));
        for (List<String> values : steps) {
            List<Holder> live = List.of(holder("a", 3, values.get(0)), holder("b", 2, values.get(1)), holder("c", 1, values.get(2)));
            for (Holder self : live) {
                assertThat(ConfigConsistencyCheck.agrees(self, live, KEY_SETS)).as("%s in %s", self.instanceId(), values).isTrue();
            }
        }
    }

    @Test
    void aNewSignerRolledOutBeforeEveryInstanceVerifiesItStopsTheInstanceThatSignsWithIt() {
        // c verifies k2 already, a does not: a would refuse the tokens b now signs with k2.
        List<Holder> live = List.of(holder("a", 1, "k1"), holder("c", 2, "k1,k2"), holder("b", 3, "k2,k1"));
        assertThat(ConfigConsistencyCheck.agrees(live.get(2), live, KEY_SETS)).isFalse();
        assertThat(ConfigConsistencyCheck.agrees(live.get(0), live, KEY_SETS)).isTrue();
        assertThat(ConfigConsistencyCheck.agrees(live.get(1), live, KEY_SETS)).isTrue();
    }

    @Test
    void theInstancesLeftReadyAcceptEachOthersTokensTwoByTwo() {
        List<Holder> live = List.of(holder("a", 1, "k1"), holder("b", 2, "k1,k2"), holder("c", 3, "k2,k1"),
                holder("d", 4, "k2"), holder("e", 5, "k3"));
        List<Holder> ready = live.stream().filter(h -> ConfigConsistencyCheck.agrees(h, live, KEY_SETS)).toList();
        assertThat(ready).isNotEmpty();
        for (Holder x : ready) {
            for (Holder y : ready) {
                assertThat(KEY_SETS.test(x.value(), y.value())).as("%s and %s", x, y).isTrue();
            }
        }
    }

    @Test
    void theDefaultCompatibilityIsEquality() {
        ConfigFingerprint plain = new ConfigFingerprint() {
            public String name() {
                return "plain";
            }

            public String fingerprint() {
                return "x";
            }
        };
        assertThat(plain.compatible("x", "x")).isTrue();
        assertThat(plain.compatible("x", "y")).isFalse();
    }
}
