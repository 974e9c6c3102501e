package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

class DependencyFailureTest {

    @Test
    void unreachableOrSilentDependenciesAreRecognisedHoweverDeepTheyAreWrapped() {
        assertThat(DependencyFailure.isCauseOf(new CannotCreateTransactionException("no connection",
                new SQLTransientConnectionException("chorus - Connection is not available")))).isTrue();
        assertThat(DependencyFailure.isCauseOf(new TransactionSystemException("commit failed",
                new SQLException("An I/O error occurred while sending to the backend", "08006")))).isTrue();
        assertThat(DependencyFailure.isCauseOf(new IllegalStateException(new QueryTimeoutException("Redis command timed out")))).isTrue();
        assertThat(DependencyFailure.isCauseOf(new RedisCommandTimeoutException("timed out"))).isTrue();
        assertThat(DependencyFailure.isCauseOf(new RedisSystemException("Redis exception", new RedisException("Connection closed")))).isTrue();
    }

    /**
     * Measured with HikariCP 7 and pgjdbc: after a query met a terminated backend (57P01), the rollback gets
     * {@code SQLException("Connection is closed")} without a SQLSTATE, which Spring cannot translate and reports as
     * {@code TransactionSystemException("JDBC rollback failed")}. A fresh-clone run answered one post 500 with it.
     */
    @Test
    void aRollbackThatFailedBecauseTheDatabaseWentAwayIsUnavailableNotABug() {
        TransactionSystemException rollbackFailed = new TransactionSystemException("JDBC rollback failed",
                new SQLException("Connection is closed"));
        assertThat(DependencyFailure.isCauseOf(rollbackFailed)).as("the rollback's own failure").isTrue();

        TransactionSystemException hiding = new TransactionSystemException("JDBC rollback failed",
                new SQLException("rollback refused for a reason of its own"));
        hiding.initApplicationException(new DataAccessResourceFailureException("I/O error",
                new SQLException("FATAL: terminating connection due to administrator command", "57P01")));
        assertThat(DependencyFailure.isCauseOf(hiding)).as("the failure the rollback hides").isTrue();

        TransactionSystemException bug = new TransactionSystemException("JDBC rollback failed",
                new SQLException("rollback refused for a reason of its own"));
        bug.initApplicationException(new IllegalStateException("a bug of ours"));
        assertThat(DependencyFailure.isCauseOf(bug)).isFalse();
    }

    @Test
    void aRedisClusterThatSaysItCannotServeYetIsUnavailableNotABug() {
        for (String answer : new String[] {"CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing of slot",
                "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
                "LOADING Redis is loading the dataset in memory"}) {
            assertThat(DependencyFailure.isCauseOf(new RedisSystemException("Error in execution",
                    new RedisCommandExecutionException(answer)))).as(answer).isTrue();
        }
        assertThat(DependencyFailure.isCauseOf(new RedisCommandExecutionException("CROSSSLOT Keys in request don't hash to the same slot")))
                .as("a bug of ours").isFalse();
    }

    @Test
    void errorsADependencyAnsweredOrOurOwnBugsAreNot() {
        assertThat(DependencyFailure.isCauseOf(new RedisSystemException("Error in execution",
                new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value")))).isFalse();
        assertThat(DependencyFailure.isCauseOf(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(DependencyFailure.isCauseOf(new NullPointerException())).isFalse();
    }
}
