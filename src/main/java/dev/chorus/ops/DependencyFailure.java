package dev.chorus.ops;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Tells a dependency that cannot be reached or does not answer in time (PostgreSQL or Redis down, restarting, cut
 * off, failing over) from a bug, wherever the failure surfaced: in a controller, in a security filter (the session
 * revocation check reads Redis), in a WebSocket frame. The first is the server's trouble but not a bug: 503 (or an
 * {@code unavailable} error frame), and the client tries again.
 */
public final class DependencyFailure {

    private static final String HIKARI_CLOSED_CONNECTION = "Connection is closed";

    private DependencyFailure() {
    }

    public static boolean isCauseOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof QueryTimeoutException
                    || t instanceof RedisConnectionException || t instanceof RedisCommandTimeoutException
                    || t instanceof SQLTransientConnectionException || isConnectionState(t)
                    // Lettuce's plain RedisException is the connection's ("Connection closed" as a master dies);
                    // errors Redis itself answered are its subclass RedisCommandExecutionException, and stay bugs.
                    || t.getClass() == RedisException.class || isRedisUnavailable(t)) {
                return true;
            }
            // A rollback that failed hides what made the transaction roll back; that is what the caller met.
            if (t instanceof TransactionSystemException rollback && rollback.getApplicationException() != null
                    && isCauseOf(rollback.getApplicationException())) {
                return true;
            }
        }
        return false;
    }

    /**
     * What a Redis that is there answers while it cannot serve (a Redis Cluster between a master's death and its
     * replica's promotion answers CLUSTERDOWN; a slot in migration TRYAGAIN; a replica cut off from its master
     * MASTERDOWN; a server reading its data at start LOADING): the dependency's trouble, gone by itself.
     */
    private static boolean isRedisUnavailable(Throwable t) {
        return t instanceof RedisCommandExecutionException e && e.getMessage() != null
                && e.getMessage().matches("(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING)\\b.*");
    }

    /**
     * SQLSTATE class 08, connection exception: the database went away under a query or a commit. Also HikariCP's
     * answer, without a SQLSTATE, from a connection it has already closed because the database went away under it
     * (the rollback after a failed query meets that, and Spring reports it as "JDBC rollback failed").
     */
    private static boolean isConnectionState(Throwable t) {
        return t instanceof SQLException sql && (sql.getSQLState() != null ? sql.getSQLState().startsWith("08")
                : HIKARI_CLOSED_CONNECTION.equals(sql.getMessage()));
    }
}
