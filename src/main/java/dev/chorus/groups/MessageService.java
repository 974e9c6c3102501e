package dev.chorus.groups;

import dev.chorus.groups.internal.GroupCommitWriter;
import dev.chorus.ops.DependencyFailure;
import dev.chorus.groups.internal.GroupStore;
import dev.chorus.groups.internal.KafkaMessageLog;
import dev.chorus.groups.internal.MessageStore;
import dev.chorus.ops.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Posting (the direct pipeline, or the Kafka pipeline when KAFKA_BROKERS is set) and reading history.
 *
 * <p>What "gap-free and at most once" rests on: a post takes each target group's next seq by incrementing the
 * group's row (which locks it until commit) and inserts the message in the same statement, unless the unique index
 * on (sender, clientMessageId, group) already holds a message; then the transaction rolls back, seq increments
 * included. Concurrent posts to a group from any instance queue on that row lock, so seqs are handed out in commit
 * order with no gap, and a seq N+1 is only ever visible after N is committed. Posts to one group go through
 * {@link GroupCommitWriter}, which writes concurrent posts in one transaction with the same rules.
 */
@Service
public class MessageService {

    /**
     * The outcome of a post: the messages, whether they were created now or found from an earlier try, and whether
     * they are only accepted (the Kafka pipeline: appended to the log, stored soon; a seq of 0 is not known yet) or
     * already stored (the direct pipeline).
     */
    public record Posted(List<Message> messages, boolean created, boolean queued) {
        Posted(List<Message> messages, boolean created) {
            this(messages, created, false);
        }
    }

    private final GroupStore groups;
    private final MessageStore messages;
    private final GroupCommitWriter writer;
    /** The Kafka pipeline's log; null on the direct pipeline (KAFKA_BROKERS unset). */
    private final KafkaMessageLog kafkaLog;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final GroupsProperties limits;
    private final Clock clock;
    private final Counter accepted;
    private final Counter persisted;

    MessageService(GroupStore groups, MessageStore messages, GroupCommitWriter writer, ObjectProvider<KafkaMessageLog> kafkaLog,
            PlatformTransactionManager transactions, ApplicationEventPublisher events, GroupsProperties limits, Clock clock,
            MeterRegistry meters) {
        this.groups = groups;
        this.messages = messages;
        this.writer = writer;
        this.kafkaLog = kafkaLog.getIfAvailable();
        // NESTED: its own transaction when called alone; a savepoint inside a caller's transaction (the scheduler),
        // so a refused post rolls back only itself.
        this.tx = new TransactionTemplate(transactions);
        this.tx.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        this.events = events;
        this.limits = limits;
        this.clock = clock;
        this.accepted = Counter.builder("chorus.messages.accepted").description("messages accepted by the API").register(meters);
        this.persisted = Counter.builder("chorus.messages.persisted").description("messages written to history").register(meters);
    }

    /**
     * Posts one message to every target group, all or nothing: every group must exist (else 404) and the sender
     * must belong to all of them (else 403), or nothing is written. A repeated clientMessageId answers the messages
     * of the first post.
     */
    public Posted post(UUID senderId, List<UUID> targetIds, String content, String clientMessageId) {
        // In PostgreSQL's uuid order (bytewise, which is the order of the lower-case text form), the order in which
        // appendBatch locks rows too, so posts and batches cannot deadlock.
        List<UUID> targets = targetIds.stream().distinct().sorted(Comparator.comparing(UUID::toString)).toList();
        boolean inCallerTransaction = TransactionSynchronizationManager.isActualTransactionActive();
        if (kafkaLog != null && !inCallerTransaction) {
            return appendToLog(senderId, targets, content, clientMessageId);
        }
        Posted posted = targets.size() == 1 && !inCallerTransaction
                ? groupCommit(senderId, targets.getFirst(), content, clientMessageId)
                : tx.execute(status -> append(status, senderId, targets, content, clientMessageId));
        if (posted == null) {
            posted = explainRefusal(senderId, targets, clientMessageId);
        }
        if (posted.created()) {
            accepted.increment(posted.messages().size());
            persisted.increment(posted.messages().size());
        }
        return posted;
    }

    /**
     * The Kafka pipeline: checked like a direct post (every group exists, the sender belongs to all of them), then
     * appended to the log, one record per group, and answered once the cluster acknowledged them all; consumers store
     * them ({@code groups.internal.KafkaMessageConsumer}). A retried clientMessageId whose messages are all stored
     * answers those; otherwise the retry is appended again with the same message ids (derived from sender, client id
     * and group), and the consumers store each at most once. Posts inside a caller's transaction (the scheduler's,
     * whose exactly-once rests on it) take the direct path whatever the pipeline.
     */
    private Posted appendToLog(UUID senderId, List<UUID> targets, String content, String clientMessageId) {
        requireAccess(senderId, targets);
        if (clientMessageId != null) {
            List<Message> earlier = messages.findByClientMessageId(senderId, clientMessageId).stream()
                    .filter(m -> targets.contains(m.groupId())).toList();
            if (earlier.size() == targets.size()) {
                return new Posted(earlier, false, true);
            }
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS); // as history keeps it
        List<Message> drafts = targets.stream()
                .map(g -> new Message(messageId(senderId, clientMessageId, g), g, 0, senderId, content, clientMessageId, now))
                .toList();
        kafkaLog.append(drafts);
        accepted.increment(drafts.size());
        return new Posted(drafts, true, true);
    }

    /** Random without a client id; with one, the same for every retry, so a retry names the message it repeats. */
    private static UUID messageId(UUID senderId, String clientMessageId, UUID groupId) {
        return clientMessageId == null ? UUID.randomUUID()
                : UUID.nameUUIDFromBytes((senderId + "\u0000" + clientMessageId + "\u0000" + groupId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A post to one group, outside any caller transaction, goes through the group-commit writer. Null when it was
     * refused (then explained like any refusal). If its batch failed as a whole, nothing of it was written and the
     * post is tried once more in a transaction of its own; not when the database could not be reached (a 503 now).
     */
    private Posted groupCommit(UUID senderId, UUID groupId, String content, String clientMessageId) {
        Message draft = new Message(UUID.randomUUID(), groupId, 0, senderId, content, clientMessageId, clock.instant());
        GroupCommitWriter.Outcome outcome;
        try {
            outcome = writer.append(draft).join();
        } catch (CompletionException | CancellationException batchFailed) {
            if (batchFailed.getCause() instanceof RuntimeException cause && DependencyFailure.isCauseOf(cause)) {
                throw cause; // the database could not be reached: trying again at once would only wait as long again
            }
            return tx.execute(status -> append(status, senderId, List.of(groupId), content, clientMessageId));
        }
        return outcome.stored().map(m -> new Posted(List.of(m), outcome.created())).orElse(null);
    }

    public MessageStore.Page history(UUID groupId, Long afterSeq, Long beforeSeq, Integer limit) {
        int size = limit == null ? limits.defaultHistoryLimit() : limit;
        if (size < 1 || size > limits.maxHistoryLimit()) {
            throw ApiException.badRequest("limit must be between 1 and " + limits.maxHistoryLimit());
        }
        if ((afterSeq != null && afterSeq < 0) || (beforeSeq != null && beforeSeq < 0)) {
            throw ApiException.badRequest("afterSeq and beforeSeq must not be negative");
        }
        return messages.historyPage(groupId, afterSeq, beforeSeq, size);
    }

    /** The last seq handed out in each of these groups that exists; one query. */
    public Map<UUID, Long> lastSeqs(java.util.Collection<UUID> groupIds) {
        return groups.lastSeqs(groupIds);
    }

    /** The group's last seq handed out; 0 when it has no message. */
    public long lastSeq(UUID groupId) {
        return groups.lastSeq(groupId);
    }

    /**
     * Stored messages with {@code afterSeq < seq <= toSeq}, ascending, at most {@code limit}; {@code toSeq} must not
     * be above the group's last seq. Complete even when a replica serves it and is behind.
     */
    public List<Message> range(UUID groupId, long afterSeq, long toSeq, int limit) {
        return messages.range(groupId, afterSeq, toSeq, limit);
    }

    /**
     * In one transaction, for each group in id order (so concurrent multi-group posts lock rows in the same order
     * and cannot deadlock): take the next seq and insert. Null, with the transaction marked for rollback, when any
     * group refused; {@link MessagesStored} is published inside the transaction and delivered after commit.
     */
    private Posted append(TransactionStatus status, UUID senderId, List<UUID> targets, String content, String clientMessageId) {
        Instant now = clock.instant();
        List<Message> created = new ArrayList<>(targets.size());
        for (UUID groupId : targets) {
            UUID id = UUID.randomUUID();
            OptionalLong seq = messages.append(id, groupId, senderId, content, clientMessageId, now);
            if (seq.isEmpty()) {
                status.setRollbackOnly();
                return null;
            }
            created.add(new Message(id, groupId, seq.getAsLong(), senderId, content, clientMessageId, now));
        }
        events.publishEvent(new MessagesStored(created));
        return new Posted(created, true);
    }

    /** After a refused append: the earlier post with this client id, or the reason as 404 or 403. */
    private Posted explainRefusal(UUID senderId, List<UUID> targets, String clientMessageId) {
        requireAccess(senderId, targets);
        List<Message> earlier = clientMessageId == null ? List.of() : messages.findByClientMessageId(senderId, clientMessageId);
        if (earlier.isEmpty()) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", "the message could not be stored; retry");
        }
        return new Posted(earlier, false);
    }

    /** 404 unless every target group exists, 403 unless the sender belongs to all of them. */
    private void requireAccess(UUID senderId, List<UUID> targets) {
        GroupStore.Access access = groups.access(targets, senderId);
        if (access.existing() != targets.size()) {
            throw ApiException.notFound("group");
        }
        if (access.member() != targets.size()) {
            throw ApiException.forbidden("you are not a member of every target group");
        }
    }
}
