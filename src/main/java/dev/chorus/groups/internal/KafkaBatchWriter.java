package dev.chorus.groups.internal;

import dev.chorus.groups.Message;
import dev.chorus.groups.MessagesStored;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes what one poll of the messages topic returned to history, in one transaction, with the group-commit store
 * path ({@link MessageStore#appendBatch}): seqs are taken under the group row locks in record order, so each group's
 * seqs are gap-free and follow its partition's order.
 *
 * <p>Idempotent, which is what lets a partition change owner at any moment: a record whose message id (or whose
 * sender, client id and group) is already in history was written before, by this consumer or by the partition's
 * earlier owner, and is skipped. A record that can never be stored (unreadable, or its group gone or its sender no
 * longer a member) is parked in {@link ParkedRecords} in the same transaction. {@link MessagesStored} is published
 * inside the transaction, so live delivery starts after commit, exactly as on the direct pipeline.
 */
public class KafkaBatchWriter {

    /** What became of one poll's records. */
    public record Outcome(int stored, int repeats, int parked) {
    }

    private static final Logger log = LoggerFactory.getLogger(KafkaBatchWriter.class);

    private final MessageStore store;
    private final ParkedRecords parked;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    public KafkaBatchWriter(MessageStore store, ParkedRecords parked, PlatformTransactionManager transactions,
            ApplicationEventPublisher events, Clock clock) {
        this.store = store;
        this.parked = parked;
        this.tx = new TransactionTemplate(transactions);
        this.events = events;
        this.clock = clock;
    }

    /** Writes the records (in partition order within each partition); a database failure throws and writes nothing. */
    public Outcome write(List<ConsumerRecord<String, byte[]>> records) {
        return tx.execute(status -> {
            Batch batch = Batch.of(records);
            int parkedNow = 0;
            for (Batch.Unreadable u : batch.unreadable()) {
                parkedNow += park(u.record(), "unreadable: " + u.reason());
            }
            List<Message> drafts = batch.drafts();
            Map<UUID, Long> seqs = drafts.isEmpty() ? Map.of() : store.appendBatch(drafts);
            List<Message> stored = new ArrayList<>(seqs.size());
            List<Message> refused = new ArrayList<>();
            for (Message d : drafts) {
                Long seq = seqs.get(d.id());
                if (seq == null) {
                    refused.add(d);
                } else {
                    stored.add(new Message(d.id(), d.groupId(), seq, d.senderId(), d.content(), d.clientMessageId(), d.createdAt()));
                }
            }
            Set<UUID> repeats = refused.isEmpty() ? Set.of() : store.alreadyStored(refused);
            for (Message r : refused) {
                if (!repeats.contains(r.id())) {
                    parkedNow += park(batch.recordOf(r), "refused: the group is gone or the sender is no longer a member");
                }
            }
            if (!stored.isEmpty()) {
                events.publishEvent(new MessagesStored(stored));
            }
            return new Outcome(stored.size(), batch.repeats() + repeats.size(), parkedNow);
        });
    }

    private int park(ConsumerRecord<String, byte[]> record, String reason) {
        log.warn("parking record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        return parked.park(record.topic(), record.partition(), record.offset(), record.key(), record.value(), reason,
                clock.instant()) ? 1 : 0;
    }

    /**
     * One poll's records read: the drafts to append, first occurrence of each id and of each (sender, client id,
     * group) only (a client retrying through two instances puts the same message on the topic twice), the records
     * that are no message, and how many repeats were dropped here.
     */
    private record Batch(List<Message> drafts, Map<UUID, ConsumerRecord<String, byte[]>> records,
            List<Unreadable> unreadable, int repeats) {

        record Unreadable(ConsumerRecord<String, byte[]> record, String reason) {
        }

        static Batch of(List<ConsumerRecord<String, byte[]>> records) {
            List<Message> drafts = new ArrayList<>(records.size());
            Map<UUID, ConsumerRecord<String, byte[]>> byId = new HashMap<>();
            Set<String> clientKeys = new HashSet<>();
            List<Unreadable> unreadable = new ArrayList<>();
            int repeats = 0;
            for (ConsumerRecord<String, byte[]> record : records) {
                Message m;
                try {
                    m = LoggedMessage.decode(record.value());
                } catch (LoggedMessage.Unreadable e) {
                    unreadable.add(new Unreadable(record, e.getMessage()));
                    continue;
                }
                String clientKey = m.clientMessageId() == null ? null : m.senderId() + "\u0000" + m.clientMessageId() + "\u0000" + m.groupId();
                if (byId.containsKey(m.id()) || (clientKey != null && !clientKeys.add(clientKey))) {
                    repeats++;
                    continue;
                }
                byId.put(m.id(), record);
                drafts.add(m);
            }
            return new Batch(drafts, byId, unreadable, repeats);
        }

        ConsumerRecord<String, byte[]> recordOf(Message draft) {
            return records.get(draft.id());
        }
    }
}
