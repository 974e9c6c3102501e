package dev.chorus.groups.internal;

import dev.chorus.groups.GroupsProperties;
import dev.chorus.groups.Message;
import dev.chorus.groups.MessagesStored;
import dev.chorus.ops.DependencyFailure;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Group commit for posts to one group: concurrent posts on this instance are written together, one transaction
 * (two statements and a commit) per batch instead of one per post.
 *
 * <p>A few writer lanes each own the groups whose id hashes to them, so one group's posts from this instance are
 * written in arrival order by one lane. A lane takes every post waiting for it (up to {@code maxBatch}) and writes
 * them with {@link MessageStore#appendBatch}; while that runs, the next batch gathers. An idle lane writes a lone
 * post at once. A busy one starts at most one batch per {@code commitInterval}: a post that comes sooner after the
 * previous batch started waits for the rest of that interval, with whatever else comes meanwhile. A transaction's
 * cost is mostly per batch (three round trips, PostgreSQL's commit, the fan-out publication), and without the
 * interval a lane under a few hundred posts a second wrote nearly every post alone (measured: 1.05 posts per batch
 * at 500 posts/s over three instances), so the interval trades at most its length of latency, only under load, for
 * batches that grow with the load.
 *
 * <p>Guarantees are those of a single post: seqs are taken under the group row locks and roll back with the batch;
 * a batch never holds the same (sender, client id, group) twice (a repeat inside one batch is answered with the
 * first one's message once it is stored). If a batch fails as a whole (a database error, a deadlock victim), every
 * post in it is answered with the failure and the caller posts it again on its own; nothing of the batch was
 * written. When the database could not be reached, the posts waiting behind that batch get the same answer at once. {@link MessagesStored} for the batch is published inside the transaction, so listeners run after commit.
 */
@Component
public class GroupCommitWriter implements DisposableBean {

    /** What became of one post: its stored message, or empty when the database refused it (see appendBatch). */
    public record Outcome(Optional<Message> stored, boolean created) {
    }

    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    private record Pending(Message draft, CompletableFuture<Outcome> result) {
        String key() {
            return draft.clientMessageId() == null ? null
                    : draft.senderId() + "\u0000" + draft.clientMessageId() + "\u0000" + draft.groupId();
        }
    }

    private final MessageStore store;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final int maxBatch;
    private final long commitIntervalNanos;
    private final List<BlockingQueue<Pending>> lanes = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private final DistributionSummary batchSizes;
    /** Set once by destroy(); lanes finish what is queued, then stop. */
    private volatile boolean stopping;

    GroupCommitWriter(MessageStore store, PlatformTransactionManager transactions, ApplicationEventPublisher events,
            GroupsProperties properties, MeterRegistry meters) {
        this.store = store;
        this.tx = new TransactionTemplate(transactions);
        this.events = events;
        this.maxBatch = properties.maxBatch();
        this.commitIntervalNanos = properties.commitInterval().toNanos();
        this.batchSizes = DistributionSummary.builder("chorus.messages.batch.size")
                .description("posts written per group-commit transaction").register(meters);
        for (int i = 0; i < properties.writerLanes(); i++) {
            // Bounded, so a database slower than the posters pushes back on them instead of growing memory.
            BlockingQueue<Pending> lane = new LinkedBlockingQueue<>(properties.maxBatch() * 8);
            lanes.add(lane);
            writers.add(Thread.ofVirtual().name("group-commit-" + i).start(() -> run(lane)));
        }
    }

    /** Queues a post (a message with seq 0) for its group's lane; waits for room when the lane is full. */
    public CompletableFuture<Outcome> append(Message draft) {
        if (stopping) {
            return CompletableFuture.failedFuture(new IllegalStateException("shutting down"));
        }
        Pending pending = new Pending(draft, new CompletableFuture<>());
        try {
            lanes.get(Math.floorMod(draft.groupId().hashCode(), lanes.size())).put(pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        return pending.result();
    }

    private void run(BlockingQueue<Pending> lane) {
        List<Pending> batch = new ArrayList<>(maxBatch);
        long lastStart = System.nanoTime() - commitIntervalNanos;
        while (!stopping || !lane.isEmpty()) {
            try {
                Pending first = lane.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                long early = lastStart + commitIntervalNanos - System.nanoTime();
                if (early > 0 && !stopping) {
                    TimeUnit.NANOSECONDS.sleep(early); // the pace under load: see the class comment
                }
                batch.add(first);
                lane.drainTo(batch, maxBatch - 1);
                lastStart = System.nanoTime();
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("group commit of {} posts failed: {}", batch.size(), e.toString());
                batch.forEach(p -> p.result().completeExceptionally(e));
                if (DependencyFailure.isCauseOf(e)) {
                    // Posts queued behind a batch that could not reach the database would each wait the pool's whole
                    // timeout in turn (10 s and more for the last ones): they get the same answer now, a 503 to
                    // retry, so a database outage fails requests fast.
                    List<Pending> waiting = new ArrayList<>();
                    lane.drainTo(waiting);
                    waiting.forEach(p -> p.result().completeExceptionally(e));
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) {
        Map<String, Pending> firstByKey = new HashMap<>();
        List<Pending> unique = new ArrayList<>(batch.size());
        List<Pending> repeats = new ArrayList<>();
        for (Pending p : batch) {
            String key = p.key();
            if (key != null && firstByKey.putIfAbsent(key, p) != null) {
                repeats.add(p);
            } else {
                unique.add(p);
            }
        }
        List<Message> stored = tx.execute(status -> {
            Map<java.util.UUID, Long> seqs = store.appendBatch(unique.stream().map(Pending::draft).toList());
            List<Message> messages = new ArrayList<>(seqs.size());
            for (Pending p : unique) {
                Long seq = seqs.get(p.draft().id());
                if (seq != null) {
                    Message d = p.draft();
                    messages.add(new Message(d.id(), d.groupId(), seq, d.senderId(), d.content(), d.clientMessageId(), d.createdAt()));
                }
            }
            if (!messages.isEmpty()) {
                events.publishEvent(new MessagesStored(messages));
            }
            return messages;
        });
        batchSizes.record(unique.size());
        Map<java.util.UUID, Message> byId = new HashMap<>();
        stored.forEach(m -> byId.put(m.id(), m));
        for (Pending p : unique) {
            p.result().complete(new Outcome(Optional.ofNullable(byId.get(p.draft().id())), true));
        }
        for (Pending p : repeats) {
            Message first = byId.get(firstByKey.get(p.key()).draft().id());
            p.result().complete(new Outcome(Optional.ofNullable(first), false));
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        stopping = true;
        for (Thread writer : writers) {
            writer.join(10_000);
        }
    }
}
