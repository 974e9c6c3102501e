package dev.chorus.replicas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplicationLagTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    @Test
    void nothingIsKnownBeforeThePrimaryWasSampled() {
        assertThat(new ReplicationLag(Duration.ofMinutes(1)).lagOf(100, T0)).isEmpty();
    }

    @Test
    void aReplicaThatReplayedTheNewestPositionIsBehindOnlyByTheTimeSinceThatSample() {
        ReplicationLag lag = new ReplicationLag(Duration.ofMinutes(1));
        lag.primaryAt(at(0), 100);
        lag.primaryAt(at(0.5), 200);
        assertThat(lag.lagOf(200, at(0.6))).contains(Duration.ofMillis(100));
        assertThat(lag.lagOf(250, at(0.6))).contains(Duration.ofMillis(100));
    }

    @Test
    void anIdlePrimaryDoesNotMakeACaughtUpReplicaLookStale() {
        ReplicationLag lag = new ReplicationLag(Duration.ofMinutes(1));
        for (int i = 0; i <= 100; i++) {
            lag.primaryAt(at(i * 0.5), 100);
        }
        assertThat(lag.lagOf(100, at(50.1))).contains(Duration.ofMillis(100));
    }

    @Test
    void aReplicaStuckAtAnOldPositionFallsFurtherBehindEverySecond() {
        ReplicationLag lag = new ReplicationLag(Duration.ofMinutes(1));
        lag.primaryAt(at(0), 100);
        lag.primaryAt(at(1), 200);
        lag.primaryAt(at(2), 300);
        assertThat(lag.lagOf(150, at(2.5))).contains(Duration.ofMillis(2500));
        assertThat(lag.lagOf(150, at(7))).contains(Duration.ofSeconds(7));
        assertThat(lag.lagOf(200, at(2.5))).contains(Duration.ofMillis(1500));
    }

    @Test
    void aReplicaBehindEverySampleIsAtLeastAsFarBehindAsTheOldestOne() {
        ReplicationLag lag = new ReplicationLag(Duration.ofSeconds(10));
        for (int i = 0; i <= 60; i++) {
            lag.primaryAt(at(i), 1000 + i);
        }
        assertThat(lag.lagOf(5, at(60))).contains(Duration.ofSeconds(10));
    }
}
