package dev.chorus.groups.internal;

import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Records of the messages topic that can never be stored, kept in PostgreSQL by their topic position. */
@Repository
public class ParkedRecords {

    private final JdbcClient jdbc;

    ParkedRecords(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Parks one record in the caller's transaction; false when it was parked before (a record read again). */
    public boolean park(String topic, int partition, long offset, String key, byte[] value, String reason, Instant at) {
        return jdbc.sql("""
                INSERT INTO kafka_parked_records (topic, partition, "offset", record_key, value, reason, parked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")
                .params(topic, partition, offset, key, value, reason, Timestamp.from(at)).update() == 1;
    }

    /** How many records of this topic are parked. */
    public long count(String topic) {
        return jdbc.sql("SELECT count(*) FROM kafka_parked_records WHERE topic = ?").param(topic).query(Long.class).single();
    }
}
