package dev.chorus.scheduling.internal;

import dev.chorus.cluster.DistributedLocks;
import dev.chorus.cluster.HeldLock;
import dev.chorus.groups.GroupService;
import dev.chorus.groups.Message;
import dev.chorus.groups.MessageService;
import dev.chorus.scheduling.SchedulingProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends due occurrences. What "exactly once" rests on, in order of strength:
 * <ol>
 * <li>an occurrence is recorded under the key (schedule, due time) in the same transaction as the message it
 * sends, so it commits with its message or not at all, and never twice;</li>
 * <li>the message itself carries the client id {@code scheduled:<schedule>:<due millis>}, so even a second
 * attempt would get the first message back;</li>
 * <li>due schedules are claimed with FOR UPDATE SKIP LOCKED, so concurrent passes never touch the same one;</li>
 * <li>the named lock {@code scheduler} keeps the other instances idle while one works (an optimisation).</li>
 * </ol>
 * "Due" is judged by the database clock, so instances whose clocks disagree agree on what is due. After an outage,
 * missed occurrences within the catch-up window are sent late; older ones are recorded as missed.
 */
@Component
class OccurrenceRunner implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OccurrenceRunner.class);
    static final String LOCK = "scheduler";

    private final ScheduleStore store;
    private final MessageService messages;
    private final GroupService groups;
    private final DistributedLocks locks;
    private final SchedulingProperties properties;
    private final TransactionTemplate tx;
    private final Counter sent;
    private final Timer lag;
    private volatile boolean running;

    OccurrenceRunner(ScheduleStore store, MessageService messages, GroupService groups, DistributedLocks locks,
            SchedulingProperties properties, PlatformTransactionManager transactions, MeterRegistry meters) {
        this.store = store;
        this.messages = messages;
        this.groups = groups;
        this.locks = locks;
        this.properties = properties;
        this.tx = new TransactionTemplate(transactions);
        this.sent = Counter.builder("chorus.scheduled.sent").description("scheduled occurrences sent").register(meters);
        this.lag = Timer.builder("chorus.scheduler.lag").description("from an occurrence's due time to its message")
                .publishPercentileHistogram().register(meters);
    }

    @Scheduled(fixedDelayString = "${chorus.scheduling.poll-interval:PT1S}")
    public void tick() {
        if (!running) {
            return;
        }
        Optional<HeldLock> lock;
        try {
            lock = locks.tryAcquire(LOCK, properties.lockTtl());
        } catch (RuntimeException e) {
            log.warn("scheduler lock unavailable: {}", e.toString());
            return;
        }
        if (lock.isEmpty()) {
            return;
        }
        try (HeldLock held = lock.get()) {
            int handled;
            do {
                handled = tx.execute(status -> runBatch());
            } while (handled >= properties.batchSize() && held.isHeld() && running);
        } catch (RuntimeException e) {
            log.warn("scheduler pass failed: {}", e.toString());
        }
    }

    private int runBatch() {
        ScheduleStore.Claim claim = store.claimDue(properties.batchSize());
        int handled = 0;
        for (ScheduledMessage schedule : claim.due()) {
            handled += handle(schedule, claim.databaseNow(), properties.batchSize());
        }
        return handled;
    }

    /** Handles every due occurrence of one schedule (up to {@code limit}) and moves it to its next one. */
    private int handle(ScheduledMessage schedule, Instant now, int limit) {
        Instant due = schedule.nextRunAt();
        int handled = 0;
        while (due != null && !due.isAfter(now) && handled < limit) {
            handleOccurrence(schedule, due, now);
            handled++;
            due = nextAfter(schedule, due);
        }
        store.advance(schedule.id(), due);
        return handled;
    }

    private void handleOccurrence(ScheduledMessage schedule, Instant due, Instant now) {
        String outcome;
        UUID messageId = null;
        if (due.isBefore(now.minus(properties.catchUpWindow()))) {
            outcome = "missed";
        } else if (!groups.isMember(schedule.groupId(), schedule.createdBy())) {
            outcome = "skipped";
        } else {
            Message message = messages.post(schedule.createdBy(), List.of(schedule.groupId()), schedule.content(),
                    "scheduled:" + schedule.id() + ":" + due.toEpochMilli()).messages().getFirst();
            messageId = message.id();
            outcome = "sent";
        }
        if (store.recordOccurrence(schedule.id(), due, outcome, messageId, now) && messageId != null) {
            sent.increment();
            lag.record(Duration.between(due, now));
        }
    }

    private static Instant nextAfter(ScheduledMessage schedule, Instant due) {
        if (schedule.cron() == null) {
            return null;
        }
        return Recurrence.parse(schedule.cron(), schedule.timezone()).nextAfterOccurrence(due).orElse(null);
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops with the drain, before sockets close and the leader lease is handed off. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 10;
    }
}
