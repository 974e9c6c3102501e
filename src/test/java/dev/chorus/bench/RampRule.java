package dev.chorus.bench;

import java.util.List;
import java.util.OptionalInt;

/**
 * The ramp's decisions: a step passes when its p99 is under the limit, nothing was lost, every send was
 * acknowledged and no socket was closed on us; the ramp climbs by {@code step} from {@code start} up to
 * {@code maxRate} and stops at the first step that fails. The best rate is the highest passing one (0 if none).
 */
record RampRule(int start, int step, int maxRate, double p99LimitMs) {

    RampRule {
        if (start < 1 || step < 1 || maxRate < start) {
            throw new IllegalArgumentException("need 1 <= start <= max rate and a positive step");
        }
    }

    boolean passes(StepResult step) {
        return step.p99Ms() < p99LimitMs && step.expected() > 0 && step.delivered() >= step.expected()
                && step.sendErrors() == 0 && step.closedSockets() == 0;
    }

    /** The rate after this one, or empty when the ramp is over (this step failed, or the next would pass the max). */
    OptionalInt next(StepResult done) {
        int next = done.rate() + step;
        return done.passed() && next <= maxRate ? OptionalInt.of(next) : OptionalInt.empty();
    }

    static int bestRate(List<StepResult> steps) {
        return steps.stream().filter(StepResult::passed).mapToInt(StepResult::rate).max().orElse(0);
    }
}
