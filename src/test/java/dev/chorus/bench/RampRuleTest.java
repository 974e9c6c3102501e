package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RampRuleTest {

    private final RampRule rule = new RampRule(1000, 500, 2500, 50);

    @Test
    void aStepUnderTheLimitWithEverythingDeliveredPasses() {
        assertThat(rule.passes(step(1000, 49.9, 100, 100, 0, 0))).isTrue();
    }

    @Test
    void aP99AtTheLimitFails() {
        assertThat(rule.passes(step(1000, 50.0, 100, 100, 0, 0))).isFalse();
    }

    @Test
    void oneLostDeliveryFails() {
        assertThat(rule.passes(step(1000, 3, 100, 99, 0, 0))).isFalse();
    }

    @Test
    void anUnacknowledgedSendFails() {
        assertThat(rule.passes(step(1000, 3, 100, 100, 1, 0))).isFalse();
    }

    @Test
    void aClosedSocketFailsEvenWhenNothingWasLost() {
        assertThat(rule.passes(step(1000, 3, 100, 100, 0, 1))).isFalse();
    }

    @Test
    void aStepThatPublishedNothingFails() {
        assertThat(rule.passes(step(1000, 0, 0, 0, 0, 0))).isFalse();
    }

    @Test
    void theRampClimbsByTheStepAfterAPassAndStopsAfterAFailure() {
        assertThat(rule.next(judged(1000, true))).hasValue(1500);
        assertThat(rule.next(judged(1500, false))).isEmpty();
    }

    @Test
    void theRampNeverGoesPastTheMaxRate() {
        assertThat(rule.next(judged(2000, true))).hasValue(2500);
        assertThat(rule.next(judged(2500, true))).isEmpty();
    }

    @Test
    void theBestRateIsTheHighestPassingStepOrZero() {
        assertThat(RampRule.bestRate(List.of(judged(1000, true), judged(1500, true), judged(2000, false))))
                .isEqualTo(1500);
        assertThat(RampRule.bestRate(List.of(judged(1000, false)))).isZero();
    }

    private static StepResult step(int rate, double p99, long expected, long delivered, long sendErrors, long closed) {
        return new StepResult(rate, 10, 10, sendErrors, 0, closed, expected, delivered, 0, 0, 1, 2, p99, p99, 50, 10,
                1, false);
    }

    private static StepResult judged(int rate, boolean passed) {
        return new StepResult(rate, 10, 10, 0, 0, 0, 100, 100, 0, 0, 1, 2, 3, 4, 50, 10, 1, passed);
    }
}
