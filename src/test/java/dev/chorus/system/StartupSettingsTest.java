package dev.chorus.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupSettingsTest {

    static Map<String, String> valid() {
        Map<String, String> env = new HashMap<>();
        env.put("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        return env;
    }

    static Map<String, String> with(String name, String value) {
        Map<String, String> env = valid();
        env.put(name, value);
        return env;
    }

    @Test
    void defaultsFollowTheSpec() {
        Map<String, Object> p = StartupSettings.toProperties(valid());
        assertThat(p).containsEntry("server.port", 8080)
                .containsEntry("spring.datasource.url", "jdbc:postgresql://127.0.0.1:5432/chorus")
                .containsEntry("spring.datasource.hikari.minimum-idle", 2)
                .containsEntry("spring.datasource.hikari.maximum-pool-size", 10)
                .containsEntry("spring.data.redis.url", "redis://127.0.0.1:6379")
                .containsEntry("chorus.auth.access-token-ttl", "PT15M")
                .containsEntry("chorus.auth.refresh-token-ttl", "P7D")
                .containsEntry("chorus.auth.cookie-secure", true)
                .containsEntry("chorus.rate-limit.per-user", 600)
                .containsEntry("chorus.rate-limit.per-ip", 1200)
                .containsEntry("chorus.rate-limit.login", 10)
                .containsEntry("spring.lifecycle.timeout-per-shutdown-phase", "PT30S")
                .containsEntry("chorus.scheduling.per-user-limit", 100)
                .containsEntry("chorus.rate-limit.login-per-ip", 60)
                .containsEntry("chorus.auth.refresh-session-max-age", "P30D")
                .containsEntry("chorus.auth.password-hash-concurrency", Math.max(1, Runtime.getRuntime().availableProcessors() / 2))
                .containsEntry("chorus.auth.password-hash-wait", "PT1S")
                .containsEntry("chorus.web.trusted-proxies", "127.0.0.0/8,::1/128")
                .containsEntry("chorus.web.ops-allowed-cidrs", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7");
    }

    @Test
    void abuseLimitsAreReadFromTheirVariables() {
        Map<String, String> env = with("SCHEDULES_PER_USER", "3");
        env.put("RATE_LIMIT_LOGIN_PER_IP", "0");
        env.put("REFRESH_SESSION_MAX_AGE", "P90D");
        env.put("PASSWORD_HASH_CONCURRENCY", "4");
        env.put("PASSWORD_HASH_WAIT", "PT0.5S");
        env.put("OPS_ALLOWED_CIDRS", "10.0.0.0/8, 2001:db8::/32");
        env.put("TRUSTED_PROXIES", "10.0.0.5");
        assertThat(StartupSettings.toProperties(env)).containsEntry("chorus.scheduling.per-user-limit", 3)
                .containsEntry("chorus.rate-limit.login-per-ip", 0)
                .containsEntry("chorus.auth.refresh-session-max-age", "P90D")
                .containsEntry("chorus.auth.password-hash-concurrency", 4)
                .containsEntry("chorus.auth.password-hash-wait", "PT0.5S")
                .containsEntry("chorus.web.ops-allowed-cidrs", "10.0.0.0/8, 2001:db8::/32")
                .containsEntry("chorus.web.trusted-proxies", "10.0.0.5");
    }

    @Test
    void malformedAbuseLimitsAreRefusedNamingTheVariable() {
        assertThatThrownBy(() -> StartupSettings.toProperties(with("SCHEDULES_PER_USER", "-1"))).hasMessageStartingWith("SCHEDULES_PER_USER must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("SCHEDULES_PER_USER", "lots"))).hasMessageStartingWith("SCHEDULES_PER_USER must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("RATE_LIMIT_LOGIN_PER_IP", "1.5"))).hasMessageStartingWith("RATE_LIMIT_LOGIN_PER_IP must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("REFRESH_SESSION_MAX_AGE", "30d"))).hasMessageStartingWith("REFRESH_SESSION_MAX_AGE must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("REFRESH_SESSION_MAX_AGE", "PT0S"))).hasMessageStartingWith("REFRESH_SESSION_MAX_AGE must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("PASSWORD_HASH_CONCURRENCY", "0"))).hasMessageStartingWith("PASSWORD_HASH_CONCURRENCY must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("PASSWORD_HASH_WAIT", "1s"))).hasMessageStartingWith("PASSWORD_HASH_WAIT must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("OPS_ALLOWED_CIDRS", "10.0.0.0/33"))).hasMessageStartingWith("OPS_ALLOWED_CIDRS must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("OPS_ALLOWED_CIDRS", "prometheus.internal"))).hasMessageStartingWith("OPS_ALLOWED_CIDRS must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("TRUSTED_PROXIES", "10.0.0.256/8"))).hasMessageStartingWith("TRUSTED_PROXIES must be");
    }

    @Test
    void databaseUrlBecomesJdbcWithCredentialsAndPgBouncerTurnsOffServerPreparedStatements() {
        Map<String, String> env = with("DATABASE_URL", "postgresql://app:s%40cret@db.internal:6432/chat?sslmode=require");
        env.put("DB_PGBOUNCER", "true");
        Map<String, Object> p = StartupSettings.toProperties(env);
        assertThat(p).containsEntry("spring.datasource.url", "jdbc:postgresql://db.internal:6432/chat?sslmode=require&prepareThreshold=0")
                .containsEntry("spring.datasource.username", "app")
                .containsEntry("spring.datasource.password", "s@cret");
    }

    @Test
    void sentinelsOverrideTheRedisUrl() {
        Map<String, String> env = with("REDIS_SENTINELS", "10.0.0.1:26379,10.0.0.2:26379");
        env.put("REDIS_SENTINEL_MASTER", "mymaster");
        Map<String, Object> p = StartupSettings.toProperties(env);
        assertThat(p).containsEntry("spring.data.redis.sentinel.master", "mymaster").doesNotContainKey("spring.data.redis.url")
                .doesNotContainKey("spring.data.redis.password");
    }

    @Test
    void theRedisPasswordGoesToTheSentinelsAndTheDataNodes() {
        Map<String, String> env = with("REDIS_SENTINELS", "10.0.0.1:26379, [::1]:26380,sentinel-3:26381");
        env.put("REDIS_SENTINEL_MASTER", "mymaster");
        env.put("REDIS_PASSWORD", "s3cret pass");
        Map<String, Object> p = StartupSettings.toProperties(env);
        assertThat(p).containsEntry("spring.data.redis.sentinel.nodes", "10.0.0.1:26379,[::1]:26380,sentinel-3:26381")
                .containsEntry("spring.data.redis.password", "s3cret pass")
                .containsEntry("spring.data.redis.sentinel.password", "s3cret pass");
    }

    @Test
    void malformedSentinelAddressesAreRefusedNamingTheVariable() {
        for (String bad : new String[] {"10.0.0.1", "10.0.0.1:26379,", "redis://h:26379", "h:port", "a b:1"}) {
            Map<String, String> env = with("REDIS_SENTINELS", bad);
            env.put("REDIS_SENTINEL_MASTER", "mymaster");
            assertThatThrownBy(() -> StartupSettings.toProperties(env)).as(bad).hasMessageStartingWith("REDIS_SENTINELS must be");
        }
    }

    @Test
    void aMissingSecretIsRefusedWithOneClearLine() {
        assertThatThrownBy(() -> StartupSettings.toProperties(new HashMap<>()))
                .isInstanceOf(InvalidSettingsException.class).hasMessageStartingWith("JWT_SECRET is missing");
    }

    @Test
    void aShortSecretIsRefused() {
        assertThatThrownBy(() -> StartupSettings.toProperties(with("JWT_SECRET", "short")))
                .hasMessageStartingWith("JWT_SECRET is too short").hasMessageNotContaining("short\"");
    }

    @Test
    void malformedUrlsAreRefusedNamingTheVariable() {
        assertThatThrownBy(() -> StartupSettings.toProperties(with("DATABASE_URL", "mysql://h/db"))).hasMessageStartingWith("DATABASE_URL is malformed");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("DATABASE_URL", "postgresql://host"))).hasMessageStartingWith("DATABASE_URL is malformed");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("DATABASE_URL", "::not a url"))).hasMessageStartingWith("DATABASE_URL is malformed");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("REDIS_URL", "http://localhost:6379"))).hasMessageStartingWith("REDIS_URL is malformed");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("REDIS_URL", "redis://localhost:6379/x"))).hasMessageStartingWith("REDIS_URL is malformed");
    }

    @Test
    void malformedNumbersDurationsAndFlagsAreRefused() {
        assertThatThrownBy(() -> StartupSettings.toProperties(with("PORT", "eighty"))).hasMessageStartingWith("PORT must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("ACCESS_TOKEN_TTL", "15m"))).hasMessageStartingWith("ACCESS_TOKEN_TTL must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("COOKIE_SECURE", "maybe"))).hasMessageStartingWith("COOKIE_SECURE must be");
        Map<String, String> pools = with("DB_POOL_MIN", "20");
        pools.put("DB_POOL_MAX", "5");
        assertThatThrownBy(() -> StartupSettings.toProperties(pools)).hasMessageContaining("DB_POOL_MIN");
    }
}
