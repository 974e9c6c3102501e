package dev.chorus.opskit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the canary did with the traffic it got, as the balancer saw it, and the verdict: roll back as soon as at
 * least {@code minRequests} reached it and more than {@code maxErrorRate} of them failed (5xx, or no answer); when
 * the watch ends, promote if its error rate stayed within the limit over at least {@code minRequests}, else roll
 * back (too little traffic proves nothing, and rolling back is the safe side). Not thread-safe: the watch loop owns it.
 */
final class CanaryTally {

    sealed interface Verdict {
        record Promote(String reason) implements Verdict {
        }

        record RollBack(String reason) implements Verdict {
        }

        record Undecided() implements Verdict {
        }
    }

    private final String canary;
    private final double maxErrorRate;
    private final long minRequests;
    private long requests;
    private long errors;
    private final List<String> errorExamples = new ArrayList<>();

    CanaryTally(String canary, double maxErrorRate, long minRequests) {
        if (minRequests < 1) {
            throw new IllegalArgumentException("at least one request is needed to judge a canary");
        }
        this.canary = canary;
        this.maxErrorRate = maxErrorRate;
        this.minRequests = minRequests;
    }

    /** Counts the attempts of one access-log line that went to the canary. */
    void add(UpstreamAttempts line) {
        for (UpstreamAttempts.Attempt attempt : line.attempts()) {
            if (attempt.address().equals(canary)) {
                requests++;
                if (attempt.isError()) {
                    errors++;
                    if (errorExamples.size() < 5) {
                        errorExamples.add(attempt.status() < 0 ? "no answer" : Integer.toString(attempt.status()));
                    }
                }
            }
        }
    }

    Verdict judge(boolean watchOver) {
        if (requests >= minRequests && errorRate() > maxErrorRate) {
            return new Verdict.RollBack("error rate " + percent(errorRate()) + " over " + requests + " requests (statuses "
                    + errorExamples + "...), above the " + percent(maxErrorRate) + " allowed");
        }
        if (!watchOver) {
            return new Verdict.Undecided();
        }
        if (requests < minRequests) {
            return new Verdict.RollBack("only " + requests + " requests reached the canary, at least " + minRequests
                    + " are needed to judge it (is there traffic? see --min-requests)");
        }
        return new Verdict.Promote("error rate " + percent(errorRate()) + " over " + requests + " requests, within the "
                + percent(maxErrorRate) + " allowed");
    }

    long requests() {
        return requests;
    }

    long errors() {
        return errors;
    }

    private double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
    }
}
