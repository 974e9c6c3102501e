package dev.chorus.bench;

/** The counters of every step the run may take, by tag (0 is the warm-up), and which step is running now. */
final class Steps {

    private final StepCounters[] counters;
    /** Written by the orchestrating thread, read by listener threads. */
    private volatile int current;

    Steps(int tags, int groups) {
        counters = new StepCounters[tags];
        for (int t = 0; t < tags; t++) {
            counters[t] = new StepCounters(groups);
        }
    }

    /** The counters of a tag read off the wire, or null for a tag this run never gave out. */
    StepCounters get(int tag) {
        return tag >= 0 && tag < counters.length ? counters[tag] : null;
    }

    StepCounters start(int tag) {
        current = tag;
        return counters[tag];
    }

    StepCounters current() {
        return counters[current];
    }
}
