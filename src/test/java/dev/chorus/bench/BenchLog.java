package dev.chorus.bench;

import java.util.concurrent.atomic.AtomicInteger;

/** Progress and trouble on stderr (stdout carries only the JSON result), the trouble capped so it cannot flood. */
final class BenchLog {

    private static final int MAX_TROUBLE_LINES = 20;
    private static final AtomicInteger TROUBLE = new AtomicInteger();

    private BenchLog() {
    }

    static void say(String line) {
        System.err.println("bench: " + line);
    }

    static void rarely(String line) {
        int n = TROUBLE.incrementAndGet();
        if (n <= MAX_TROUBLE_LINES) {
            say(line + (n == MAX_TROUBLE_LINES ? " (further such lines are not shown)" : ""));
        }
    }
}
