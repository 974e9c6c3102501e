package dev.chorus.system;

import com.zaxxer.hikari.HikariDataSource;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * At start-up, waits for Redis and PostgreSQL to answer before anything uses them, for at most
 * STARTUP_DEPENDENCY_WAIT each, with a log line per failed attempt and one when they answer; past that the instance
 * stops with one line naming the dependency and the last error (SPEC §2: an unreachable database stops it).
 *
 * <p>Why: an instance started together with its Redis (compose, a reboot, a machine so loaded that Lettuce's 2 s
 * connect timeout passed) used to exit at once: its first Redis connection (the cluster bus's, made while the
 * context is built) failed and took the context with it. Waiting here, as each connection factory or pool is made
 * and before any bean that needs it, lets a process manager start everything at once. Once running, the instance
 * rides out outages on its own (Lettuce reconnects, Hikari retries, readiness says so).
 */
@Component
class StartupDependencies implements BeanPostProcessor, EnvironmentAware {

    private static final Logger log = LoggerFactory.getLogger(StartupDependencies.class);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(2);

    private Duration wait = Duration.ofSeconds(60);

    @Override
    public void setEnvironment(Environment environment) {
        wait = Duration.parse(environment.getProperty("chorus.startup.dependency-wait", "PT60S"));
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof LettuceConnectionFactory redis) {
            awaitAnswer(describe(redis), () -> ping(redis));
        } else if (bean instanceof HikariDataSource pool && "dataSource".equals(beanName)) {
            // A connection of its own rather than the pool's: a pool that fails to start logs a stack trace each time.
            awaitAnswer("PostgreSQL at " + pool.getJdbcUrl().replaceFirst("\\?.*", ""), () -> connect(pool));
        }
        return bean;
    }

    /** Tries {@code attempt} until it succeeds or the wait is over; then throws with the last error. */
    void awaitAnswer(String what, Attempt attempt) {
        long start = System.nanoTime();
        long deadline = start + wait.toNanos();
        Duration pause = FIRST_PAUSE;
        for (int tries = 1; ; tries++) {
            try {
                attempt.run();
                if (tries > 1) {
                    log.info("{} answered after {} attempts ({} ms)", what, tries, (System.nanoTime() - start) / 1_000_000);
                }
                return;
            } catch (Exception e) {
                String cause = rootMessage(e);
                if (refusedForGood(e)) {
                    // A certificate that does not verify will not verify on the next try: stop now, with the cause.
                    throw new IllegalStateException(what + " refused the TLS connection: " + cause, e);
                }
                if (System.nanoTime() + pause.toNanos() > deadline) {
                    throw new IllegalStateException(what + " did not answer within " + wait + " (STARTUP_DEPENDENCY_WAIT): " + cause);
                }
                log.warn("waiting for {} (attempt {}, trying for up to {} in all): {}", what, tries, wait, cause);
                sleep(pause);
                pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            }
        }
    }

    private static void ping(LettuceConnectionFactory redis) {
        if (!redis.isRunning()) {
            redis.start();
        }
        try (RedisConnection connection = redis.getConnection()) {
            connection.ping();
        }
    }

    private static void connect(HikariDataSource pool) throws SQLException {
        Properties properties = new Properties();
        if (pool.getUsername() != null) {
            properties.setProperty("user", pool.getUsername());
        }
        if (pool.getPassword() != null) {
            properties.setProperty("password", pool.getPassword());
        }
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("loginTimeout", "10");
        try (Connection connection = DriverManager.getConnection(pool.getJdbcUrl(), properties)) {
            connection.isValid(5);
        }
    }

    private static String describe(LettuceConnectionFactory redis) {
        if (redis.getSentinelConfiguration() != null) {
            return "Redis (through its Sentinels)";
        }
        if (redis.getClusterConfiguration() != null) {
            return "Redis Cluster";
        }
        return "Redis at " + redis.getHostName() + ":" + redis.getPort();
    }

    /** Whether the connection failed TLS verification (a wrong CA, host name or certificate), which waiting cannot mend. */
    private static boolean refusedForGood(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // Certificate checks only: an SSLException alone may be a connection reset during a handshake.
            if (t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a dependency at start-up", e);
        }
    }

    @FunctionalInterface
    interface Attempt {
        void run() throws Exception;
    }
}
