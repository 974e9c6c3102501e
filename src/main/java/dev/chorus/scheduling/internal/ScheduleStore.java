package dev.chorus.scheduling.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Schedules and handled occurrences in PostgreSQL. */
@Repository
class ScheduleStore {

    /** Due schedules claimed by one pass, with the database's own idea of now. */
    record Claim(List<ScheduledMessage> due, Instant databaseNow) {
    }

    /** The first key of this module's advisory locks (PostgreSQL's two-key form: class, then object). */
    private static final int CREATOR_LOCK_CLASS = 0x5c4ed;

    private final JdbcClient jdbc;

    ScheduleStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(ScheduledMessage s) {
        jdbc.sql("""
                INSERT INTO scheduled_messages (id, group_id, created_by, content, send_at, cron, timezone, next_run_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(s.id(), s.groupId(), s.createdBy(), s.content(), ts(s.sendAt()), s.cron(), s.timezone(),
                        ts(s.nextRunAt()), ts(s.createdAt()))
                .update();
    }

    /**
     * Holds, until the transaction ends, a lock on "schedules of this user", so that counting and inserting by two
     * concurrent requests of one user cannot interleave. (An advisory lock: the scheduling module does not lock rows
     * of the users table, which belongs to auth.)
     */
    void lockCreator(UUID userId) {
        jdbc.sql("SELECT pg_advisory_xact_lock(?, hashtext(?))").params(CREATOR_LOCK_CLASS, userId.toString())
                .query((rs, row) -> 1).single();
    }

    /** Schedules of this user with an occurrence still to come: one-offs not yet sent, recurring ones that fire again. */
    long countActiveByCreator(UUID userId) {
        return jdbc.sql("SELECT count(*) FROM scheduled_messages WHERE created_by = ? AND next_run_at IS NOT NULL")
                .param(userId).query(Long.class).single();
    }

    Optional<ScheduledMessage> find(UUID id) {
        return jdbc.sql("SELECT * FROM scheduled_messages WHERE id = ?").param(id).query(ScheduleStore::map).optional();
    }

    List<ScheduledMessage> byGroup(UUID groupId) {
        return jdbc.sql("SELECT * FROM scheduled_messages WHERE group_id = ? ORDER BY created_at, id").param(groupId)
                .query(ScheduleStore::map).list();
    }

    List<ScheduledMessage> byCreator(UUID userId) {
        return jdbc.sql("SELECT * FROM scheduled_messages WHERE created_by = ? ORDER BY created_at, id").param(userId)
                .query(ScheduleStore::map).list();
    }

    boolean delete(UUID id) {
        return jdbc.sql("DELETE FROM scheduled_messages WHERE id = ?").param(id).update() == 1;
    }

    /**
     * Claims up to {@code limit} schedules due by the database clock, locking their rows; rows another transaction
     * holds are skipped, so two instances never work on the same schedule at once even without the Redis lock.
     */
    Claim claimDue(int limit) {
        Instant now = jdbc.sql("SELECT now()").query(Timestamp.class).single().toInstant();
        List<ScheduledMessage> due = jdbc.sql("""
                SELECT * FROM scheduled_messages WHERE next_run_at <= ?
                ORDER BY next_run_at LIMIT ? FOR UPDATE SKIP LOCKED""")
                .params(Timestamp.from(now), limit).query(ScheduleStore::map).list();
        return new Claim(due, now);
    }

    /** Records an occurrence; false when it was already handled (the exactly-once key). */
    boolean recordOccurrence(UUID scheduleId, Instant dueAt, String outcome, UUID messageId, Instant at) {
        return jdbc.sql("""
                INSERT INTO scheduled_occurrences (schedule_id, due_at, outcome, message_id, handled_at)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")
                .params(scheduleId, ts(dueAt), outcome, messageId, ts(at)).update() == 1;
    }

    void advance(UUID scheduleId, Instant nextRunAt) {
        jdbc.sql("UPDATE scheduled_messages SET next_run_at = ? WHERE id = ?").params(ts(nextRunAt), scheduleId).update();
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static ScheduledMessage map(ResultSet rs, int row) throws SQLException {
        return new ScheduledMessage(rs.getObject("id", UUID.class), rs.getObject("group_id", UUID.class),
                rs.getObject("created_by", UUID.class), rs.getString("content"), instant(rs, "send_at"), rs.getString("cron"),
                rs.getString("timezone"), instant(rs, "next_run_at"), instant(rs, "created_at"));
    }
}
