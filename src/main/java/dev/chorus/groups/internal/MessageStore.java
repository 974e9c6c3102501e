package dev.chorus.groups.internal;

import dev.chorus.groups.Message;
import dev.chorus.replicas.ReplicaReads;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Message history in PostgreSQL, read by seq. Pages of history and replays may come from a read replica
 * ({@link ReplicaReads}); everything a write depends on comes from the primary.
 */
@Repository
public class MessageStore {

    private final JdbcClient jdbc;
    private final ReplicaReads replicas;

    MessageStore(JdbcClient jdbc, ReplicaReads replicas) {
        this.jdbc = jdbc;
        this.replicas = replicas;
    }

    /**
     * Appends a message to a group in one statement: takes the group's next seq (locking its row) only if the sender
     * is a member, and inserts unless this sender already used the client id in this group. Empty when nothing was
     * inserted (no such group, not a member, or a repeated client id); the caller then rolls back, which also
     * returns the seq, and finds out which.
     */
    public OptionalLong append(UUID id, UUID groupId, UUID senderId, String content, String clientMessageId,
            Instant at) {
        return jdbc.sql("""
                WITH next AS (
                    UPDATE groups g SET last_seq = g.last_seq + 1
                    WHERE g.id = ? AND EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = ?)
                    RETURNING g.last_seq)
                INSERT INTO messages (id, group_id, seq, sender_id, content, client_message_id, created_at)
                SELECT ?, ?, next.last_seq, ?, ?, ?, ? FROM next
                ON CONFLICT (sender_id, client_message_id, group_id) WHERE client_message_id IS NOT NULL DO NOTHING
                RETURNING seq""")
                .params(groupId, senderId, id, groupId, senderId, content, clientMessageId, Timestamp.from(at))
                .query(Long.class).optional()
                .map(OptionalLong::of).orElseGet(OptionalLong::empty);
    }

    /**
     * Appends a batch of single-group posts in the caller's transaction, in two statements. The first locks the
     * batch's group rows in id order, so concurrent batches and posts (which lock in the same order) cannot
     * deadlock, and no other transaction can append to these groups until commit. The second keeps the drafts whose
     * sender is a member and whose client id this sender has not used in the group, gives them the next seqs of
     * their group in batch order, and inserts them; under the row locks its client-id check cannot race another
     * writer. The drafts must not repeat an id or a (sender, client id, group) among themselves. Answers the seq of
     * each inserted draft by id; a draft absent from the answer was refused (no such group, not a member, an id or a
     * client id already stored), and took no seq. (A stored id is how the Kafka pipeline's consumers recognise a
     * record they, or an earlier owner of its partition, already wrote.)
     */
    public Map<UUID, Long> appendBatch(List<Message> drafts) {
        int n = drafts.size();
        UUID[] ids = column(drafts, Message::id, UUID[]::new);
        UUID[] groups = column(drafts, Message::groupId, UUID[]::new);
        UUID[] senders = column(drafts, Message::senderId, UUID[]::new);
        String[] contents = column(drafts, Message::content, String[]::new);
        String[] clientIds = column(drafts, Message::clientMessageId, String[]::new);
        Long[] micros = column(drafts, m -> ChronoUnit.MICROS.between(Instant.EPOCH, m.createdAt()), Long[]::new);
        // The lock also sets plan_cache_mode for the rest of this transaction (set_config(..., true) is SET LOCAL, in
        // the same round trip): PostgreSQL would otherwise plan the statement below afresh on every execution (a
        // custom plan for each array of parameters, ~0.4 ms of its CPU per batch, measured with EXPLAIN ANALYZE),
        // where the generic plan is as good for any batch (every step is an index lookup per row) and takes 0.03 ms.
        jdbc.sql("""
                SELECT g.id FROM groups g, set_config('plan_cache_mode', 'force_generic_plan', true)
                WHERE g.id = ANY(?) ORDER BY g.id FOR UPDATE OF g""")
                .param(Arrays.stream(groups).distinct().toArray(UUID[]::new)).query(UUID.class).list();
        Map<UUID, Long> seqs = new HashMap<>(n * 2);
        jdbc.sql("""
                WITH input AS (
                    SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::bigint[])
                        WITH ORDINALITY AS t(id, group_id, sender_id, content, client_message_id, micros, ord)),
                accepted AS (
                    SELECT i.* FROM input i
                    WHERE EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = i.group_id AND m.user_id = i.sender_id)
                      AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.id = i.id)
                      AND NOT EXISTS (SELECT 1 FROM messages x WHERE i.client_message_id IS NOT NULL
                          AND x.sender_id = i.sender_id AND x.client_message_id = i.client_message_id
                          AND x.group_id = i.group_id)),
                numbered AS (
                    SELECT a.*, row_number() OVER (PARTITION BY a.group_id ORDER BY a.ord) AS n,
                           count(*) OVER (PARTITION BY a.group_id) AS total
                    FROM accepted a),
                bumped AS (
                    UPDATE groups g SET last_seq = g.last_seq + c.total
                    FROM (SELECT DISTINCT group_id, total FROM numbered) c WHERE g.id = c.group_id
                    RETURNING g.id, g.last_seq - c.total AS base)
                INSERT INTO messages (id, group_id, seq, sender_id, content, client_message_id, created_at)
                SELECT n.id, n.group_id, b.base + n.n, n.sender_id, n.content, n.client_message_id,
                       timestamptz 'epoch' + n.micros * interval '1 microsecond'
                FROM numbered n JOIN bumped b ON b.id = n.group_id
                RETURNING id, seq""")
                .params(ids, groups, senders, contents, clientIds, micros)
                .query((ResultSet rs) -> {
                    while (rs.next()) {
                        seqs.put(rs.getObject(1, UUID.class), rs.getLong(2));
                    }
                    return seqs;
                });
        return seqs;
    }

    /**
     * Of these drafts, the ids of those already in history: the same id, or the same (sender, client id, group).
     * Asked after {@link #appendBatch} refused some, in the same transaction (under its row locks), it tells a repeat
     * from a draft that can never be stored.
     */
    public Set<UUID> alreadyStored(List<Message> drafts) {
        UUID[] ids = column(drafts, Message::id, UUID[]::new);
        UUID[] groups = column(drafts, Message::groupId, UUID[]::new);
        UUID[] senders = column(drafts, Message::senderId, UUID[]::new);
        String[] clientIds = column(drafts, Message::clientMessageId, String[]::new);
        return new HashSet<>(jdbc.sql("""
                SELECT i.id FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[]) AS i(id, group_id, sender_id, client_message_id)
                WHERE EXISTS (SELECT 1 FROM messages x WHERE x.id = i.id)
                   OR EXISTS (SELECT 1 FROM messages x WHERE i.client_message_id IS NOT NULL AND x.sender_id = i.sender_id
                       AND x.client_message_id = i.client_message_id AND x.group_id = i.group_id)""")
                .params(ids, groups, senders, clientIds).query(UUID.class).list());
    }

    /** The messages an earlier post with this client id created, in group order. */
    public List<Message> findByClientMessageId(UUID senderId, String clientMessageId) {
        return jdbc.sql("SELECT * FROM messages WHERE sender_id = ? AND client_message_id = ? ORDER BY group_id")
                .params(senderId, clientMessageId).query(MessageStore::map).list();
    }

    /**
     * A page of history, from a replica when one is close enough behind: a message stored
     * in the last moments may be missing from it, as from a page read a moment earlier.
     */
    public Page historyPage(UUID groupId, Long afterSeq, Long beforeSeq, int limit) {
        return replicas.query(reader -> page(reader, groupId, afterSeq, beforeSeq, limit));
    }

    /**
     * Every message with {@code afterSeq < seq <= toSeq}, at most {@code limit}, ascending, where {@code toSeq} is at
     * most the group's last seq (so all of them are committed). Read from a replica when one is close enough behind;
     * what it has not replayed yet is read from the primary. A replica's history is always a prefix of the
     * primary's (seq N+1 commits after N), so the seqs alone tell what is missing: a subscriber resuming after a
     * seq never misses a message because a replica is behind.
     */
    public List<Message> range(UUID groupId, long afterSeq, long toSeq, int limit) {
        long wanted = Math.min(toSeq, afterSeq + limit);
        if (wanted <= afterSeq) {
            return List.of();
        }
        List<Message> found = replicas.query(reader -> rangeOn(reader, groupId, afterSeq, wanted));
        int contiguous = 0;
        while (contiguous < found.size() && found.get(contiguous).seq() == afterSeq + contiguous + 1) {
            contiguous++;
        }
        if (afterSeq + contiguous == wanted) {
            return found;
        }
        List<Message> all = new ArrayList<>(found.subList(0, contiguous));
        all.addAll(rangeOn(jdbc, groupId, afterSeq + contiguous, wanted));
        return all;
    }

    private static List<Message> rangeOn(JdbcClient on, UUID groupId, long afterSeq, long toSeq) {
        return on.sql("SELECT * FROM messages WHERE group_id = ? AND seq > ? AND seq <= ? ORDER BY seq")
                .params(groupId, afterSeq, toSeq).query(MessageStore::map).list();
    }

    /**
     * Up to {@code limit} messages of a page, ascending by seq. With {@code afterSeq} the page starts right after
     * it; otherwise it is the newest page below {@code beforeSeq} (or the newest of all). Fetches one extra row to
     * tell whether more exist in the direction of travel.
     */
    private static Page page(JdbcClient jdbc, UUID groupId, Long afterSeq, Long beforeSeq, int limit) {
        long upper = beforeSeq == null ? Long.MAX_VALUE : beforeSeq;
        List<Message> rows;
        if (afterSeq != null) {
            rows = jdbc.sql("SELECT * FROM messages WHERE group_id = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?")
                    .params(groupId, afterSeq, upper, limit + 1).query(MessageStore::map).list();
        } else {
            rows = new ArrayList<>(jdbc.sql("SELECT * FROM messages WHERE group_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
                    .params(groupId, upper, limit + 1).query(MessageStore::map).list());
        }
        boolean hasMore = rows.size() > limit;
        List<Message> page = new ArrayList<>(rows.subList(0, Math.min(limit, rows.size())));
        if (afterSeq == null) {
            Collections.reverse(page);
        }
        return new Page(page, hasMore);
    }

    /** One field of every draft, as an array for {@code unnest}. */
    private static <T> T[] column(List<Message> drafts, Function<Message, T> field, IntFunction<T[]> array) {
        return drafts.stream().map(field).toArray(array);
    }

    /** One page of history. */
    public record Page(List<Message> messages, boolean hasMore) {
    }

    private static Message map(ResultSet rs, int row) throws SQLException {
        return new Message(rs.getObject("id", UUID.class), rs.getObject("group_id", UUID.class), rs.getLong("seq"),
                rs.getObject("sender_id", UUID.class), rs.getString("content"), rs.getString("client_message_id"),
                rs.getTimestamp("created_at").toInstant());
    }
}
