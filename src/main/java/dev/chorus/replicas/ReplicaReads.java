package dev.chorus.replicas;

import java.util.function.Function;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Where a read that may be a little stale runs. Only for reads that need not see the caller's own writes (a page
 * of history, say); never for a post's answer, an idempotent replay or a membership check before a write.
 */
public interface ReplicaReads {

    /**
     * Runs {@code query} on a replica whose measured lag is within DATABASE_REPLICA_MAX_LAG, or on the primary when
     * there is none; a query that fails on a replica runs again on the primary, so a replica going down is never
     * seen by a caller. The query must be read-only and must not need a transaction.
     */
    <T> T query(Function<JdbcClient, T> query);
}
