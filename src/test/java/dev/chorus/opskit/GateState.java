package dev.chorus.opskit;

import java.time.Duration;
import java.time.Instant;

/**
 * One new instance's way through the health gate: WAITING → STEADY (ready, and its API answers) → PASSED once it
 * has stayed so for the stable window; FAILED when its process exits, its API answers 5xx, or a deadline passes
 * first. A ready instance that turns not-ready again goes back to WAITING: the window starts over. PASSED and FAILED
 * are final. Not thread-safe: one gate loop owns it.
 *
 * <p>Two deadlines, because a JVM's start-up time says more about the machine's load than about the build: the
 * instance must answer at all within {@code startTimeout} of its start, and, from its first answer, be ready and
 * steady within {@code readyTimeout}. A build that starts and then stays not-ready fails after the second, however
 * long its start took.
 */
final class GateState {

    enum Phase { WAITING, STEADY, PASSED, FAILED }

    /**
     * One look at the instance: the status of {@code /health/ready} (-1: no answer), the {@code X-Instance-ID} it
     * carried, and the status of an unauthenticated {@code GET /api/users/me} (-1: not asked, or no answer), which a
     * working build refuses with 401 and a broken one may answer with 5xx.
     */
    record Probe(int ready, String servedBy, int api, String detail) {
    }

    private final String name;
    private final Duration stable;
    private final Instant startDeadline;
    private final Duration readyTimeout;
    private Phase phase = Phase.WAITING;
    private Instant firstAnswer;
    private Instant steadySince;
    private String lastSeen = "no answer yet";
    private String failure;

    GateState(String name, Duration stable, Instant started, Duration startTimeout, Duration readyTimeout) {
        this.name = name;
        this.stable = stable;
        this.startDeadline = started.plus(startTimeout);
        this.readyTimeout = readyTimeout;
    }

    void observe(Instant now, Probe probe) {
        if (isFinal()) {
            return;
        }
        lastSeen = describe(probe);
        if (probe.ready() >= 0 && firstAnswer == null) {
            firstAnswer = now;
        }
        boolean ready = probe.ready() == 200 && name.equals(probe.servedBy());
        if (ready && probe.api() >= 500) {
            fail("ready, but GET /api/users/me answered " + probe.api() + " (" + probe.detail() + ")");
            return;
        }
        if (!ready || probe.api() < 0) {
            phase = Phase.WAITING;
            steadySince = null;
            return;
        }
        if (steadySince == null) {
            steadySince = now;
            phase = Phase.STEADY;
        }
        if (!now.isBefore(steadySince.plus(stable))) {
            phase = Phase.PASSED;
        }
    }

    void exited() {
        fail("its process exited (see its log); last seen: " + lastSeen);
    }

    /** Fails the instance if a deadline has passed: no answer since its start, or no steady readiness since its first. */
    void checkDeadlines(Instant now) {
        if (isFinal()) {
            return;
        }
        if (firstAnswer == null && !now.isBefore(startDeadline)) {
            fail("gave no answer on its port before its start-up deadline; last seen: " + lastSeen);
        } else if (firstAnswer != null && !now.isBefore(firstAnswer.plus(readyTimeout))) {
            fail("answering, but not ready and steady for " + stable.toSeconds() + " s within " + readyTimeout.toSeconds()
                    + " s of its first answer; last seen: " + lastSeen);
        }
    }

    private void fail(String why) {
        phase = Phase.FAILED;
        failure = why;
    }

    boolean isFinal() {
        return phase == Phase.PASSED || phase == Phase.FAILED;
    }

    Phase phase() {
        return phase;
    }

    String name() {
        return name;
    }

    String summary() {
        return switch (phase) {
            case PASSED -> name + ": passed (ready, API answering, steady for " + stable.toSeconds() + " s)";
            case FAILED -> name + ": FAILED: " + failure;
            default -> name + ": " + phase.name().toLowerCase() + "; last seen: " + lastSeen;
        };
    }

    private String describe(Probe probe) {
        if (probe.ready() < 0) {
            return "no answer (" + probe.detail() + ")";
        }
        String who = name.equals(probe.servedBy()) ? "" : " from " + probe.servedBy() + ", not " + name;
        return "/health/ready " + probe.ready() + who + ", /api/users/me " + (probe.api() < 0 ? "not asked" : probe.api())
                + (probe.ready() == 200 ? "" : " (" + probe.detail() + ")");
    }
}
