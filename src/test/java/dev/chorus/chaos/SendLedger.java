package dev.chorus.chaos;

import dev.chorus.chaos.RunRecord.Send;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every message the publishers tried and its first acknowledgement, and every failed attempt by kind. Written by
 * the publishers' threads; thread-safe through its concurrent maps.
 */
final class SendLedger {

    private final Map<String, Send> sends = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final AtomicLong slowestFailureMs = new AtomicLong();

    void planned(String clientMessageId, String group, String via) {
        sends.put(clientMessageId, new Send(clientMessageId, group, via, -1, 0));
    }

    /** The first acknowledgement counts; a retry's answer (the same message) changes nothing. */
    void acknowledged(String clientMessageId, long seq, long atNanos) {
        sends.computeIfPresent(clientMessageId, (id, send) -> send.acknowledged() ? send
                : new Send(id, send.group(), send.via(), atNanos, seq));
    }

    void failed(String kind, long tookMs) {
        failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        slowestFailureMs.accumulateAndGet(tookMs, Math::max);
    }

    /** The highest acknowledged seq of a group. */
    long highestAcknowledged(String group) {
        return sends.values().stream().filter(s -> s.acknowledged() && s.group().equals(group)).mapToLong(Send::seq).max().orElse(0);
    }

    List<Send> sends() {
        return List.copyOf(sends.values());
    }

    Map<String, Long> failures() {
        Map<String, Long> copy = new TreeMap<>();
        failures.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    long slowestFailureMs() {
        return slowestFailureMs.get();
    }
}
