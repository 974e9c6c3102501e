package dev.chorus.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PendingUpgradesTest {

    final AtomicLong now = new AtomicLong();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final PendingUpgrades pending = new PendingUpgrades(3, Duration.ofSeconds(20), now::get, meters);

    @Test
    void atMostTheLimitArePendingAndTheNextIsRefusedAndCounted() {
        List<PendingUpgrades.Permit> out = takeAll();
        assertThat(out).hasSize(3);
        assertThat(pending.tryEnter()).isEmpty();
        assertThat(pending.count()).isEqualTo(3);
        assertThat(meters.get("chorus.websocket.upgrades.refused").counter().count()).isEqualTo(1);
        assertThat(meters.get("chorus.websocket.pending.upgrades").gauge().value()).isEqualTo(3);
    }

    @Test
    void aReleasedPermitMakesRoomAndReleasingTwiceChangesNothing() {
        List<PendingUpgrades.Permit> out = takeAll();
        out.getFirst().release();
        out.getFirst().release();
        assertThat(pending.count()).isEqualTo(2);
        assertThat(pending.tryEnter()).isPresent();
        assertThat(pending.tryEnter()).isEmpty();
    }

    @Test
    void aPermitNobodyGaveBackStopsCountingAfterItsLifetimeSoALostOneCannotShrinkTheRoomForGood() {
        takeAll();
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(pending.tryEnter()).as("not older than its lifetime yet").isEmpty();
        now.addAndGet(1);
        assertThat(pending.tryEnter()).isPresent();
        assertThat(pending.count()).isEqualTo(1);
    }

    @Test
    void onlyPermitsWhoseSocketIsNotOpenYetCountAsUpgrading() {
        List<PendingUpgrades.Permit> out = takeAll();
        out.getFirst().opened();
        assertThat(pending.upgrading()).isEqualTo(2);
        assertThat(pending.count()).isEqualTo(3);
    }

    @Test
    void aPermitLivesTwiceTheAuthTimeoutAndTenSeconds() {
        assertThat(PendingUpgrades.lifetime(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(20));
    }

    private List<PendingUpgrades.Permit> takeAll() {
        List<PendingUpgrades.Permit> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            out.add(pending.tryEnter().orElseThrow());
        }
        return out;
    }
}
