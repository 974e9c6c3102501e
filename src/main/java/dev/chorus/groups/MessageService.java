package dev.chorus.groups;

import dev.chorus.groups.internal.GroupStore;
import dev.chorus.groups.internal.MessageStore;
import dev.chorus.ops.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Posting (the direct pipeline) and reading history.
 *
 * <p>What "gap-free and at most once" rests on: a post takes each target group's next seq by incrementing the
 * group's row, in id order, which locks the rows; under those locks it checks whether this sender already used the
 * clientMessageId (and rolls back if so). Concurrent posts to a group from any instance queue on that row lock; a failed
 * post rolls its increments back; the unique index on (sender, clientMessageId, group) is the last line of defence.
 */
@Service
public class MessageService {

    /** The outcome of a post: the messages, and whether they were created now or found from an earlier try. */
    public record Posted(List<Message> messages, boolean created) {
    }

    private final GroupStore groups;
    private final MessageStore messages;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final GroupsProperties limits;
    private final Clock clock;
    private final Counter accepted;
    private final Counter persisted;

    MessageService(GroupStore groups, MessageStore messages, TransactionTemplate tx, ApplicationEventPublisher events,
            GroupsProperties limits, Clock clock, MeterRegistry meters) {
        this.groups = groups;
        this.messages = messages;
        this.tx = tx;
        this.events = events;
        this.limits = limits;
        this.clock = clock;
        this.accepted = Counter.builder("chorus.messages.accepted").description("messages accepted by the API").register(meters);
        this.persisted = Counter.builder("chorus.messages.persisted").description("messages written to history").register(meters);
    }

    /**
     * Posts one message to every target group, all or nothing: every group must exist (else 404) and the sender
     * must belong to all of them (else 403), before anything is written.
     */
    public Posted post(UUID senderId, List<UUID> targetIds, String content, String clientMessageId) {
        List<UUID> targets = targetIds.stream().distinct().sorted().toList();
        GroupStore.Access access = groups.access(targets, senderId);
        if (access.existing() != targets.size()) {
            throw ApiException.notFound("group");
        }
        if (access.member() != targets.size()) {
            throw ApiException.forbidden("you are not a member of every target group");
        }
        Posted posted;
        try {
            posted = tx.execute(status -> store(status, senderId, targets, content, clientMessageId));
        } catch (DuplicateKeyException raced) {
            posted = new Posted(messages.findByClientMessageId(senderId, clientMessageId), false);
        }
        if (posted.created()) {
            accepted.increment(posted.messages().size());
            persisted.increment(posted.messages().size());
            posted.messages().forEach(m -> events.publishEvent(new MessageStored(m)));
        }
        return posted;
    }

    public MessageStore.Page history(UUID groupId, Long afterSeq, Long beforeSeq, Integer limit) {
        int size = limit == null ? limits.defaultHistoryLimit() : limit;
        if (size < 1 || size > limits.maxHistoryLimit()) {
            throw ApiException.badRequest("limit must be between 1 and " + limits.maxHistoryLimit());
        }
        if ((afterSeq != null && afterSeq < 0) || (beforeSeq != null && beforeSeq < 0)) {
            throw ApiException.badRequest("afterSeq and beforeSeq must not be negative");
        }
        return messages.page(groupId, afterSeq, beforeSeq, size);
    }

    /** The group's last seq handed out; 0 when it has no message. */
    public long lastSeq(UUID groupId) {
        return groups.lastSeq(groupId);
    }

    /** Stored messages with {@code afterSeq < seq <= toSeq}, ascending, at most {@code limit}. */
    public List<Message> range(UUID groupId, long afterSeq, long toSeq, int limit) {
        return messages.page(groupId, afterSeq, toSeq + 1, limit).messages();
    }

    /**
     * In one transaction: take each group's next seq in id order (locking the rows), then, under those locks, look
     * for an earlier post with this client id; if there is one, roll the seqs back and answer it.
     */
    private Posted store(TransactionStatus status, UUID senderId, List<UUID> targets, String content, String clientMessageId) {
        List<Long> seqs = targets.stream().map(groups::nextSeq).toList();
        if (clientMessageId != null) {
            List<Message> earlier = messages.findByClientMessageId(senderId, clientMessageId);
            if (!earlier.isEmpty()) {
                status.setRollbackOnly();
                return new Posted(earlier, false);
            }
        }
        Instant now = clock.instant();
        List<Message> created = new ArrayList<>(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            Message message = new Message(UUID.randomUUID(), targets.get(i), seqs.get(i), senderId, content, clientMessageId, now);
            messages.insert(message);
            created.add(message);
        }
        return new Posted(created, true);
    }
}
