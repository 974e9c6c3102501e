package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CpuMeterTest {

    private static final String BEFORE = """
            cpu  1000 0 500 8000 500 0 0 0 300 0
            cpu0 500 0 250 4000 250 0 0 0 150 0
            cpu1 500 0 250 4000 250 0 0 0 150 0
            intr 1778250 0 0
            ctxt 6373841
            """;
    private static final String AFTER = """
            cpu  1150 0 550 8100 550 0 50 0 400 0
            cpu0 575 0 275 4050 275 0 25 0 200 0
            cpu1 575 0 275 4050 275 0 25 0 200 0
            """;

    @Test
    void busyTimeIsTotalLessIdleAndIowaitWithoutCountingGuestTwice() {
        CpuMeter.Sample s = CpuMeter.parse(BEFORE, 0, 0);
        assertThat(s.totalTicks()).isEqualTo(10_000);
        assertThat(s.busyTicks()).isEqualTo(1_500);
        assertThat(s.cpus()).isEqualTo(2);
    }

    @Test
    void cpuSecondsComeFromTheBusyShareOfAllCpusOverTheWallClock() {
        // 400 ticks passed, 250 of them busy, over 2 s on 2 CPUs: 62.5 % busy, 2.5 CPU-seconds.
        CpuMeter.Use use = CpuMeter.between(CpuMeter.parse(BEFORE, 0, 0),
                CpuMeter.parse(AFTER, 2_000_000_000L, 500_000_000L));
        assertThat(use.machinePct()).isCloseTo(62.5, within(1e-9));
        assertThat(use.machineCpuSeconds()).isCloseTo(2.5, within(1e-9));
        assertThat(use.microsPer(10_000)).isCloseTo(250.0, within(1e-9));
        assertThat(use.clientMicrosPer(10_000)).isCloseTo(50.0, within(1e-9));
    }

    @Test
    void noDeliveriesCostNothingPerDeliveryRatherThanInfinity() {
        CpuMeter.Use use = CpuMeter.between(CpuMeter.parse(BEFORE, 0, 0), CpuMeter.parse(AFTER, 1, 0));
        assertThat(use.microsPer(0)).isZero();
    }

    @Test
    void textWithoutCpuLinesIsRefused() {
        assertThatThrownBy(() -> CpuMeter.parse("intr 1 2 3\n", 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRealProcStatParses() {
        assertThat(CpuMeter.sample().cpus()).isPositive();
    }
}
