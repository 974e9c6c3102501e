package dev.chorus.groups.internal;

import dev.chorus.groups.Message;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Message history in PostgreSQL, read by seq. */
@Repository
public class MessageStore {

    private final JdbcClient jdbc;

    MessageStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
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

    /** The messages an earlier post with this client id created, in group order. */
    public List<Message> findByClientMessageId(UUID senderId, String clientMessageId) {
        return jdbc.sql("SELECT * FROM messages WHERE sender_id = ? AND client_message_id = ? ORDER BY group_id")
                .params(senderId, clientMessageId).query(MessageStore::map).list();
    }

    /**
     * Up to {@code limit} messages of a page, ascending by seq. With {@code afterSeq} the page starts right after
     * it; otherwise it is the newest page below {@code beforeSeq} (or the newest of all). Fetches one extra row to
     * tell whether more exist in the direction of travel.
     */
    public Page page(UUID groupId, Long afterSeq, Long beforeSeq, int limit) {
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

    /** One page of history. */
    public record Page(List<Message> messages, boolean hasMore) {
    }

    private static Message map(ResultSet rs, int row) throws SQLException {
        return new Message(rs.getObject("id", UUID.class), rs.getObject("group_id", UUID.class), rs.getLong("seq"),
                rs.getObject("sender_id", UUID.class), rs.getString("content"), rs.getString("client_message_id"),
                rs.getTimestamp("created_at").toInstant());
    }
}
