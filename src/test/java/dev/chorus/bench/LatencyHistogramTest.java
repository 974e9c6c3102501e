package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void anEmptyHistogramAnswersZero() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.percentileNanos(0.99)).isZero();
        assertThat(h.maxNanos()).isZero();
    }

    @Test
    void percentilesOfAUniformSpreadAreWithinOnePercent() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 10_000; i++) {
            h.record(i * MS / 100); // 0.01 ms .. 100 ms
        }
        assertThat(h.count()).isEqualTo(10_000);
        assertThat(h.percentileNanos(0.50) / 1e6).isCloseTo(50.0, within(0.5));
        assertThat(h.percentileNanos(0.95) / 1e6).isCloseTo(95.0, within(0.95));
        assertThat(h.percentileNanos(0.99) / 1e6).isCloseTo(99.0, within(0.99));
        assertThat(h.maxNanos()).isEqualTo(100 * MS);
    }

    @Test
    void aPercentileNeverFallsBelowTheTrueValue() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 98; i++) {
            h.record(MS);
        }
        h.record(49_900_000);
        h.record(120 * MS);
        assertThat(h.percentileNanos(0.99)).isBetween(49_900_000L, 50_300_000L);
        assertThat(h.percentileNanos(1.0)).isEqualTo(120 * MS);
    }

    @Test
    void smallLatenciesAreExactToTheMicrosecond() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(42_000);
        assertThat(h.percentileNanos(0.5)).isEqualTo(42_000);
    }

    @Test
    void everyMicrosecondFallsInABucketWhoseBoundsHoldIt() {
        for (long us : new long[] {0, 1, 127, 128, 255, 256, 257, 1_000, 49_999, 50_000, 1L << 30, 1L << 40}) {
            int index = LatencyHistogram.index(us);
            assertThat(LatencyHistogram.upperBoundMicros(index)).isGreaterThanOrEqualTo(us);
            assertThat(index == 0 ? -1 : LatencyHistogram.upperBoundMicros(index - 1)).isLessThan(us);
        }
    }

    @Test
    void negativeAndHugeValuesAreClampedNotLost() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(-5);
        h.record(Long.MAX_VALUE);
        assertThat(h.count()).isEqualTo(2);
        assertThat(h.percentileNanos(0.5)).isZero();
    }
}
