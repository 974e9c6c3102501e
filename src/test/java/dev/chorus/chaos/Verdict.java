package dev.chorus.chaos;

import dev.chorus.chaos.RunRecord.Sample;
import dev.chorus.chaos.RunRecord.Send;
import dev.chorus.chaos.RunRecord.Stored;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Judges a run ({@link RunRecord}):
 * <ul>
 * <li><b>lost</b>: an acknowledged message missing from history, stored under another seq than its ack said, or
 * never received by a subscriber of its group;</li>
 * <li><b>duplicated</b>: a {@code clientMessageId} stored twice, or a seq a subscriber received twice;</li>
 * <li><b>late</b>: an acknowledged message that reached a subscriber more than {@link #LATE_NANOS} after its ack, or
 * never; <b>readiness was dishonest</b> when the subscriber's instance answered 200 at every look between that ack
 * and that arrival (it said it could serve while its subscribers got nothing), unless the subscriber's socket was down
 * or it was still receiving the replay its resume asked for (up to the {@code subscribed} frame's lastSeq: SPEC §4
 * puts every replayed message before the live ones, so a message sent meanwhile waits for the replay);</li>
 * <li><b>recovered</b> at the first moment, from the fault's end (or start), after which every instance answers
 * 200 at every look and no acknowledged message is late on any of them.</li>
 * </ul>
 * The run passes when nothing acknowledged was lost or duplicated.
 */
final class Verdict {

    /** SPEC §4: every stored message reaches every live subscriber within 5 seconds. */
    static final long LATE_NANOS = 5_000_000_000L;
    private static final int EXAMPLES = 5;

    private final RunRecord run;
    private final Map<String, Object> json = new LinkedHashMap<>();
    private long lost;
    private long duplicated;
    private long dishonest;
    private long incompleteSubscribers;
    private Double recoveryS;
    private List<String> ghosts = List.of();

    private Verdict(RunRecord run) {
        this.run = run;
    }

    static Verdict judge(RunRecord run) {
        Verdict verdict = new Verdict(run);
        verdict.judgeAll();
        return verdict;
    }

    boolean passed() {
        return lost == 0 && duplicated == 0;
    }

    long lost() {
        return lost;
    }

    long duplicated() {
        return duplicated;
    }

    long dishonestReadiness() {
        return dishonest;
    }

    long incompleteSubscribers() {
        return incompleteSubscribers;
    }

    /** Seconds from the fault's end (or start) to recovery; null when the run ended before every instance recovered. */
    Double recoveryS() {
        return recoveryS;
    }

    Map<String, Object> toJson() {
        return json;
    }

    /**
     * Adds what presence showed once every subscriber had closed its socket: how long until nobody was online any
     * more (null if someone still was at the deadline), and who was still shown online then.
     */
    void presence(Double offlineAfterS, List<String> ghosts) {
        this.ghosts = List.copyOf(ghosts);
        json.remove("passed");
        Map<String, Object> presence = new LinkedHashMap<>();
        presence.put("everyone_offline_after_s", offlineAfterS);
        presence.put("ghosts", ghosts);
        json.put("presence", presence);
        json.put("passed", passed());
    }

    /** Users still shown online at the presence deadline. */
    List<String> ghosts() {
        return ghosts;
    }

    private void judgeAll() {
        json.put("scenario", run.scenario());
        json.put("rate", run.rate());
        json.put("duration_s", run.durationS());
        json.put("instances", run.instances());
        long acknowledged = run.sends().stream().filter(Send::acknowledged).count();
        json.put("sent", run.sends().size());
        json.put("acknowledged", acknowledged);
        json.put("unacknowledged", run.sends().size() - acknowledged);
        Map<String, Long> unacknowledgedBy = new TreeMap<>();
        run.sends().stream().filter(send -> !send.acknowledged()).forEach(send -> unacknowledgedBy.merge(send.via(), 1L, Long::sum));
        json.put("unacknowledged_by_publisher", unacknowledgedBy);
        json.put("stored", run.history().size());

        Map<String, List<Stored>> storedById = new HashMap<>();
        Map<String, Long> lastSeq = new HashMap<>();
        for (Stored stored : run.history()) {
            storedById.computeIfAbsent(stored.clientMessageId(), id -> new ArrayList<>()).add(stored);
            lastSeq.merge(stored.group(), stored.seq(), Math::max);
        }
        List<String> examples = new ArrayList<>();
        long fromHistory = 0;
        long storedTwice = 0;
        for (Send send : run.sends()) {
            List<Stored> copies = storedById.getOrDefault(send.clientMessageId(), List.of());
            storedTwice += Math.max(0, copies.size() - 1);
            if (send.acknowledged() && (copies.isEmpty() || copies.getFirst().seq() != send.seq())) {
                fromHistory++;
                example(examples, send.clientMessageId() + " (seq " + send.seq() + ") "
                        + (copies.isEmpty() ? "is not in history" : "is stored as seq " + copies.getFirst().seq()));
            }
        }
        long fromSubscribers = 0;
        long deliveredTwice = 0;
        long outOfOrder = 0;
        long gapsAfterResume = 0;
        Map<String, Object> delivered = new LinkedHashMap<>();
        for (SubscriberLog subscriber : run.subscribers()) {
            long missing = 0;
            for (Send send : run.sends()) {
                if (send.acknowledged() && !subscriber.has(send.group(), send.seq())) {
                    missing++;
                    example(examples, subscriber.name() + " never received " + send.clientMessageId() + " (seq " + send.seq() + ")");
                }
            }
            fromSubscribers += missing;
            deliveredTwice += subscriber.duplicates();
            outOfOrder += subscriber.outOfOrder();
            gapsAfterResume += subscriber.gapsAfterResume();
            boolean complete = lastSeq.entrySet().stream().allMatch(e -> subscriber.holdsExactlyInOrder(e.getKey(), e.getValue()));
            if (!complete) {
                incompleteSubscribers++;
            }
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("instance", subscriber.instance());
            one.put("delivered", subscriber.delivered());
            one.put("missing", missing);
            one.put("complete_in_order", complete);
            delivered.put(subscriber.name(), one);
        }
        lost = fromHistory + fromSubscribers;
        duplicated = storedTwice + deliveredTwice;
        json.put("delivered", delivered);
        json.put("lost", Map.of("total", lost, "from_history", fromHistory, "from_subscribers", fromSubscribers,
                "examples", examples));
        json.put("duplicated", Map.of("total", duplicated, "stored_twice", storedTwice, "delivered_twice", deliveredTwice));
        json.put("out_of_order", outOfOrder);
        json.put("gaps_after_resume", gapsAfterResume);
        json.put("incomplete_subscribers", incompleteSubscribers);
        json.put("failed_requests", new TreeMap<>(run.failures()));
        json.put("slowest_failed_request_ms", run.slowestFailureMs());
        judgeTimeline();
        json.put("passed", passed());
    }

    /** Late deliveries, readiness honesty and recovery, per instance. */
    private void judgeTimeline() {
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        run.instances().forEach(i -> samples.put(i, new ArrayList<>()));
        run.samples().forEach(s -> samples.computeIfAbsent(s.instance(), i -> new ArrayList<>()).add(s));
        Map<String, Long> lastLateAck = new HashMap<>();
        long late = 0;
        long lateBehindReplay = 0;
        List<String> dishonestExamples = new ArrayList<>();
        for (SubscriberLog subscriber : run.subscribers()) {
            List<Sample> own = samples.getOrDefault(subscriber.instance(), List.of());
            for (Send send : run.sends()) {
                if (!send.acknowledged()) {
                    continue;
                }
                long arrived = subscriber.firstArrival(send.group(), send.seq());
                long until = arrived < 0 ? run.endNanos() : arrived;
                if (until - send.ackedAtNanos() <= LATE_NANOS) {
                    continue;
                }
                late++;
                lastLateAck.merge(subscriber.instance(), send.ackedAtNanos(), Math::max);
                if (subscriber.downDuring(send.ackedAtNanos(), until)) {
                    continue;
                }
                if (subscriber.catchingUpDuring(send.group(), send.ackedAtNanos(), until)) {
                    lateBehindReplay++; // SPEC §4: live messages come after the resume's replay, however long it is
                    continue;
                }
                if (allReady(own, send.ackedAtNanos(), until)) {
                    dishonest++;
                    example(dishonestExamples, subscriber.instance() + " answered 200 throughout while " + subscriber.name()
                            + " waited " + seconds(until - send.ackedAtNanos()) + " s for " + send.clientMessageId());
                }
            }
        }
        Map<String, Object> readiness = new LinkedHashMap<>();
        long recoveredAt = run.fault().recoverFromNanos();
        boolean recovered = true;
        for (Map.Entry<String, List<Sample>> entry : samples.entrySet()) {
            List<Sample> own = entry.getValue();
            long readyAt = readyAgainAt(own);
            recovered &= !own.isEmpty() && own.getLast().status() == 200;
            recoveredAt = Math.max(recoveredAt, Math.max(readyAt, lastLateAck.getOrDefault(entry.getKey(), 0L)));
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("not_ready_s", seconds(notReadyNanos(own)));
            one.put("unanswered", own.stream().filter(s -> s.status() < 0).count());
            one.put("answers_slower_than_1s", own.stream().filter(s -> s.status() >= 0 && s.tookMs() > 1000).count());
            one.put("statuses", statusCounts(own));
            readiness.put(entry.getKey(), one);
        }
        recoveryS = recovered ? seconds(recoveredAt - run.fault().recoverFromNanos()) : null;
        json.put("late_deliveries", late);
        json.put("late_behind_a_replay", lateBehindReplay);
        json.put("fault", Map.of("start_s", seconds(run.fault().startNanos() - run.startNanos()),
                "end_s", seconds(run.fault().endNanos() - run.startNanos())));
        Map<String, Object> recovery = new LinkedHashMap<>();
        recovery.put("counted_from_s", seconds(run.fault().recoverFromNanos() - run.startNanos()));
        recovery.put("time_to_recover_s", recoveryS);
        json.put("recovery", recovery);
        json.put("readiness", Map.of("honest", dishonest == 0, "dishonest", dishonest, "examples", dishonestExamples,
                "instances", readiness));
    }

    /** Whether there is at least one look in [from, to] and every one of them answered 200. */
    private static boolean allReady(List<Sample> samples, long from, long to) {
        boolean any = false;
        for (Sample sample : samples) {
            if (sample.atNanos() >= from && sample.atNanos() <= to) {
                if (sample.status() != 200) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /** The first 200 after the last look that was not 200 (0 when every look was 200). */
    private static long readyAgainAt(List<Sample> samples) {
        long readyAt = 0;
        boolean bad = false;
        for (Sample sample : samples) {
            if (sample.status() != 200) {
                bad = true;
            } else if (bad) {
                readyAt = sample.atNanos();
                bad = false;
            }
        }
        return readyAt;
    }

    /** Time between a look that was not 200 and the next look. */
    private static long notReadyNanos(List<Sample> samples) {
        long total = 0;
        for (int i = 0; i + 1 < samples.size(); i++) {
            if (samples.get(i).status() != 200) {
                total += samples.get(i + 1).atNanos() - samples.get(i).atNanos();
            }
        }
        return total;
    }

    private static Map<String, Long> statusCounts(List<Sample> samples) {
        Map<String, Long> counts = new TreeMap<>();
        samples.forEach(s -> counts.merge(s.status() < 0 ? "no answer" : Integer.toString(s.status()), 1L, Long::sum));
        return counts;
    }

    private static void example(List<String> examples, String text) {
        if (examples.size() < EXAMPLES) {
            examples.add(text);
        }
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e7) / 100.0;
    }
}
