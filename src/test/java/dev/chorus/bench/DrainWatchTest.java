package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DrainWatchTest {

    private final DrainWatch watch = new DrainWatch(0, 3_000, 30_000);

    @Test
    void endsAsSoonAsEverythingHasArrived() {
        assertThat(watch.over(true, 10, 1)).isTrue();
    }

    @Test
    void keepsWaitingWhileDeliveriesGrow() {
        for (long t = 0; t < 20_000; t += 1_000) {
            assertThat(watch.over(false, t, t)).isFalse();
        }
    }

    @Test
    void endsOnceNothingHasMovedForTheQuietPeriod() {
        assertThat(watch.over(false, 5, 1_000)).isFalse();
        assertThat(watch.over(false, 5, 3_999)).isFalse();
        assertThat(watch.over(false, 5, 4_000)).isTrue();
    }

    @Test
    void endsAtTheLimitHoweverBusy() {
        assertThat(watch.over(false, 1, 29_999)).isFalse();
        assertThat(watch.over(false, 2, 30_000)).isTrue();
    }
}
