package dev.chorus.opskit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.opskit.GateState.Phase;
import dev.chorus.opskit.GateState.Probe;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class GateStateTest {

    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    private static final Probe READY = new Probe(200, "chorus-4", 401, "{\"error\":\"unauthorized\"}");

    private final GateState gate = gate("chorus-4", Duration.ofSeconds(3));

    /** Started at T0; 60 s to answer at all, then 20 s from the first answer to be ready and steady. */
    private static GateState gate(String name, Duration stable) {
        return new GateState(name, stable, T0, Duration.ofSeconds(60), Duration.ofSeconds(20));
    }

    @Test
    void anInstanceThatStaysReadyWithAWorkingApiForTheStableWindowPasses() {
        gate.observe(T0, READY);
        gate.observe(T0.plusSeconds(2), READY);
        assertThat(gate.phase()).isEqualTo(Phase.STEADY);
        gate.observe(T0.plusSeconds(3), READY);
        assertThat(gate.phase()).isEqualTo(Phase.PASSED);
        assertThat(gate.summary()).contains("chorus-4: passed");
    }

    @Test
    void turningNotReadyInsideTheWindowStartsItOver() {
        gate.observe(T0, READY);
        gate.observe(T0.plusSeconds(2), new Probe(503, "chorus-4", -1, "{\"ready\":false,\"reasons\":[\"bus-stalled\"]}"));
        gate.observe(T0.plusSeconds(3), READY);
        gate.observe(T0.plusSeconds(5), READY);
        assertThat(gate.phase()).isEqualTo(Phase.STEADY);
        gate.observe(T0.plusSeconds(6), READY);
        assertThat(gate.phase()).isEqualTo(Phase.PASSED);
    }

    @Test
    void anotherProcessAnsweringOnThePortIsNotThisInstanceBeingReady() {
        for (int s = 0; s < 20; s++) {
            gate.observe(T0.plusSeconds(s), new Probe(200, "chorus-1", -1, "{}"));
            gate.checkDeadlines(T0.plusSeconds(s));
        }
        assertThat(gate.phase()).isEqualTo(Phase.WAITING);
        gate.checkDeadlines(T0.plusSeconds(20));
        assertThat(gate.summary()).contains("FAILED", "from chorus-1, not chorus-4");
    }

    @Test
    void aReadyInstanceWhoseApiAnswers5xxFailsAtOnce() {
        gate.observe(T0, new Probe(200, "chorus-4", 500, "{\"error\":\"internal\"}"));
        assertThat(gate.phase()).isEqualTo(Phase.FAILED);
        assertThat(gate.summary()).contains("GET /api/users/me answered 500");
    }

    @Test
    void anExitedProcessFailsWithWhatWasLastSeenAndAFinalVerdictNeverChanges() {
        gate.observe(T0, new Probe(-1, null, -1, "ConnectException"));
        gate.exited();
        gate.observe(T0.plusSeconds(1), READY);
        gate.observe(T0.plusSeconds(9), READY);
        assertThat(gate.phase()).isEqualTo(Phase.FAILED);
        assertThat(gate.summary()).contains("its process exited", "no answer (ConnectException)");
    }

    @Test
    void aSlowStartIsGivenTheStartUpDeadlineAndANotReadyAnswerOnlyTheReadyTimeoutFromThere() {
        gate.observe(T0.plusSeconds(10), new Probe(-1, null, -1, "ConnectException"));
        gate.checkDeadlines(T0.plusSeconds(59));
        assertThat(gate.phase()).isEqualTo(Phase.WAITING);
        gate.observe(T0.plusSeconds(59), new Probe(503, "chorus-4", -1, "{\"ready\":false,\"reasons\":[\"broken-build\"]}"));
        gate.checkDeadlines(T0.plusSeconds(78));
        assertThat(gate.phase()).isEqualTo(Phase.WAITING);
        gate.checkDeadlines(T0.plusSeconds(79));
        assertThat(gate.summary()).contains("not ready and steady for 3 s within 20 s of its first answer", "broken-build");
    }

    @Test
    void noAnswerByTheStartUpDeadlineFailsAndAPassedInstanceIsLeftAlone() {
        gate.observe(T0.plusSeconds(30), new Probe(-1, null, -1, "ConnectException"));
        gate.checkDeadlines(T0.plusSeconds(60));
        assertThat(gate.summary()).contains("gave no answer on its port before its start-up deadline", "ConnectException");

        GateState passed = gate("chorus-5", Duration.ofSeconds(1));
        passed.observe(T0, new Probe(200, "chorus-5", 401, ""));
        passed.observe(T0.plusSeconds(1), new Probe(200, "chorus-5", 401, ""));
        passed.checkDeadlines(T0.plusSeconds(600));
        assertThat(passed.phase()).isEqualTo(Phase.PASSED);
    }
}
