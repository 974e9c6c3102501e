package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void theBalancerUrlNeedsTheInstanceCountForTheReport() {
        BenchOptions o = BenchOptions.parse("--url", "http://127.0.0.1:9080", "--instances", "3");
        assertThat(o.urls()).containsExactly("http://127.0.0.1:9080");
        assertThat(o.viaBalancer()).isTrue();
        assertThat(o.instances()).isEqualTo(3);
        assertThatThrownBy(() -> BenchOptions.parse("--url", "http://127.0.0.1:9080"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void instanceUrlsStillWorkAndCountAsTheInstances() {
        BenchOptions o = BenchOptions.parse("--urls", "http://a:1,http://b:2");
        assertThat(o.viaBalancer()).isFalse();
        assertThat(o.instances()).isEqualTo(2);
        assertThat(o.ramp()).isFalse();
        assertThat(o.stepTags()).isEqualTo(2);
    }

    @Test
    void rampIsAFlagAmongValuedOptionsWithDefaultStepAndMax() {
        BenchOptions o = BenchOptions.parse("--url", "http://x", "--instances", "1", "--ramp", "--rate", "1000");
        assertThat(o.ramp()).isTrue();
        assertThat(o.step()).isEqualTo(500);
        assertThat(o.maxRate()).isEqualTo(10_000);
        assertThat(o.stepTags()).isEqualTo(1 + 19);
        assertThat(o.rule().p99LimitMs()).isEqualTo(50);
    }

    @Test
    void unknownOptionsAndMissingValuesAreRefused() {
        assertThatThrownBy(() -> BenchOptions.parse("--urls", "http://a", "--rat", "5"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchOptions.parse("--urls", "http://a", "--rate"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
