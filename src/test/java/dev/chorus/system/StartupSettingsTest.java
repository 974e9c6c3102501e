package dev.chorus.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
                .containsEntry("chorus.realtime.max-pending-upgrades", 256)
                .containsEntry("chorus.startup.dependency-wait", "PT60S")
                .containsEntry("chorus.web.trusted-proxies", "127.0.0.0/8,::1/128")
                .containsEntry("chorus.web.ops-allowed-cidrs", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7")
                .containsEntry("chorus.realtime.max-connections", 20000)
                .containsEntry("chorus.realtime.heap-ceiling-percent", 85);
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
        env.put("WS_HEAP_CEILING_PERCENT", "70");
        env.put("WS_MAX_PENDING_UPGRADES", "32");
        env.put("STARTUP_DEPENDENCY_WAIT", "PT2M");
        assertThat(StartupSettings.toProperties(env)).containsEntry("chorus.scheduling.per-user-limit", 3)
                .containsEntry("chorus.realtime.heap-ceiling-percent", 70)
                .containsEntry("chorus.realtime.max-pending-upgrades", 32)
                .containsEntry("chorus.startup.dependency-wait", "PT2M")
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
        assertThatThrownBy(() -> StartupSettings.toProperties(with("WS_HEAP_CEILING_PERCENT", "0"))).hasMessageStartingWith("WS_HEAP_CEILING_PERCENT must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("WS_HEAP_CEILING_PERCENT", "101"))).hasMessageStartingWith("WS_HEAP_CEILING_PERCENT must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("WS_HEAP_CEILING_PERCENT", "85%"))).hasMessageStartingWith("WS_HEAP_CEILING_PERCENT must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("WS_MAX_PENDING_UPGRADES", "0"))).hasMessageStartingWith("WS_MAX_PENDING_UPGRADES must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("WS_MAX_PENDING_UPGRADES", "many"))).hasMessageStartingWith("WS_MAX_PENDING_UPGRADES must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("STARTUP_DEPENDENCY_WAIT", "60"))).hasMessageStartingWith("STARTUP_DEPENDENCY_WAIT must be");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("STARTUP_DEPENDENCY_WAIT", "PT0S"))).hasMessageStartingWith("STARTUP_DEPENDENCY_WAIT must be");
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
    void clusterNodesReplaceTheRedisUrlAndFollowTopologyChanges() {
        Map<String, String> env = with("REDIS_CLUSTER_NODES", "10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002,redis-4:7003");
        env.put("REDIS_PASSWORD", "s3cret pass");
        Map<String, Object> p = StartupSettings.toProperties(env);
        assertThat(p).containsEntry("spring.data.redis.cluster.nodes", "10.0.0.1:7000,10.0.0.2:7001,[::1]:7002,redis-4:7003")
                .containsEntry("spring.data.redis.password", "s3cret pass")
                .containsEntry("spring.data.redis.lettuce.cluster.refresh.adaptive", true)
                .containsEntry("spring.data.redis.lettuce.cluster.refresh.period", "PT5S")
                .containsEntry("chorus.redis.cluster", true)
                .doesNotContainKey("spring.data.redis.url").doesNotContainKey("spring.data.redis.sentinel.nodes")
                .doesNotContainKey("spring.data.redis.ssl.enabled");
        assertThat(StartupSettings.toProperties(valid())).doesNotContainKey("chorus.redis.cluster");
    }

    @Test
    void clusterNodesWithARedisUrlOrSentinelsAreRefusedNamingBoth() {
        for (String other : new String[] {"REDIS_URL", "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER"}) {
            Map<String, String> env = with("REDIS_CLUSTER_NODES", "10.0.0.1:7000");
            env.put(other, other.equals("REDIS_URL") ? "redis://cache:6379" : "10.0.0.9:26379");
            assertThatThrownBy(() -> StartupSettings.toProperties(env)).as(other).isInstanceOf(InvalidSettingsException.class)
                    .hasMessageStartingWith("REDIS_CLUSTER_NODES and " + other + " are both set");
        }
        Map<String, String> blankUrl = with("REDIS_CLUSTER_NODES", "10.0.0.1:7000");
        blankUrl.put("REDIS_URL", "");
        assertThat(StartupSettings.toProperties(blankUrl)).containsEntry("spring.data.redis.cluster.nodes", "10.0.0.1:7000");
    }

    @Test
    void malformedClusterNodesOrABracedPrefixAreRefusedNamingTheVariable() {
        for (String bad : new String[] {"10.0.0.1", "10.0.0.1:7000,", "redis://h:7000", "h:port", "a b:1", ",h:1"}) {
            assertThatThrownBy(() -> StartupSettings.toProperties(with("REDIS_CLUSTER_NODES", bad))).as(bad)
                    .hasMessageStartingWith("REDIS_CLUSTER_NODES must be host:port pairs separated by commas");
        }
        Map<String, String> braced = with("REDIS_CLUSTER_NODES", "10.0.0.1:7000");
        braced.put("CHORUS_REDIS_PREFIX", "{app}:");
        assertThatThrownBy(() -> StartupSettings.toProperties(braced)).hasMessageStartingWith("CHORUS_REDIS_PREFIX must not contain { or }");
    }

    @Test
    void aClusterCaCertificateTurnsTlsOn(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Map<String, String> env = with("REDIS_CLUSTER_NODES", "10.0.0.1:7000");
        env.put("REDIS_TLS_CA_CERT", ca.toString());
        assertThat(StartupSettings.toProperties(env)).containsEntry("spring.data.redis.ssl.enabled", true)
                .containsEntry("spring.data.redis.ssl.bundle", "redis");
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

    @Test
    void withoutKafkaBrokersTheDirectPipelineRunsAndKafkaSettingsAreIgnored() {
        Map<String, String> env = with("KAFKA_SECURITY_PROTOCOL", "nonsense");
        assertThat(StartupSettings.toProperties(env)).containsEntry("chorus.groups.kafka.brokers", "")
                .doesNotContainKey("chorus.groups.kafka.topic");
    }

    @Test
    void kafkaSettingsAreReadWithTheirDefaults() {
        Map<String, Object> p = StartupSettings.toProperties(with("KAFKA_BROKERS", "k1:9092, k2.example.com:9093,[::1]:9092"));
        assertThat(p).containsEntry("chorus.groups.kafka.brokers", "k1:9092, k2.example.com:9093,[::1]:9092")
                .containsEntry("chorus.groups.kafka.topic", "chorus.messages")
                .containsEntry("chorus.groups.kafka.consumer-group", "chorus")
                .containsEntry("chorus.groups.kafka.partitions", 12)
                .containsEntry("chorus.groups.kafka.replication-factor", 3)
                .containsEntry("chorus.groups.kafka.min-insync-replicas", 2)
                .containsEntry("chorus.groups.kafka.send-timeout", "PT10S")
                .containsEntry("chorus.groups.kafka.client.[security.protocol]", "PLAINTEXT")
                .doesNotContainKey("chorus.groups.kafka.client.[sasl.jaas.config]");
    }

    @Test
    void aSecuredKafkaClusterGetsSaslAndTlsSettingsWithThePasswordFromAFile() throws Exception {
        Path file = Files.createTempFile("kafka-password", ".txt");
        Files.writeString(file, "s3cr\"et\n");
        Map<String, String> env = with("KAFKA_BROKERS", "kafka:9093");
        env.put("KAFKA_SECURITY_PROTOCOL", "sasl_ssl");
        env.put("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256");
        env.put("KAFKA_SASL_USERNAME", "chorus");
        env.put("KAFKA_SASL_PASSWORD_FILE", file.toString());
        env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/trust.p12");
        assertThat(StartupSettings.toProperties(env))
                .containsEntry("chorus.groups.kafka.client.[security.protocol]", "SASL_SSL")
                .containsEntry("chorus.groups.kafka.client.[sasl.mechanism]", "SCRAM-SHA-256")
                .containsEntry("chorus.groups.kafka.client.[sasl.jaas.config]",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"chorus\" password=\"s3cr\\\"et\";")
                .containsEntry("chorus.groups.kafka.client.[ssl.truststore.location]", "/etc/kafka/trust.p12");
        Files.delete(file);
    }

    @Test
    void malformedKafkaSettingsAreRefusedNamingTheVariable() {
        assertThatThrownBy(() -> StartupSettings.toProperties(with("KAFKA_BROKERS", "kafka")))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("KAFKA_BROKERS");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("KAFKA_BROKERS", "a:1;rm -rf /:2")))
                .isInstanceOf(InvalidSettingsException.class).hasMessageContaining("KAFKA_BROKERS");
        Map<String, String> topic = with("KAFKA_BROKERS", "kafka:9092");
        topic.put("KAFKA_TOPIC", "../etc");
        assertThatThrownBy(() -> StartupSettings.toProperties(topic)).hasMessageContaining("KAFKA_TOPIC");
        Map<String, String> protocol = with("KAFKA_BROKERS", "kafka:9092");
        protocol.put("KAFKA_SECURITY_PROTOCOL", "TLS");
        assertThatThrownBy(() -> StartupSettings.toProperties(protocol)).hasMessageContaining("KAFKA_SECURITY_PROTOCOL");
        Map<String, String> noPassword = with("KAFKA_BROKERS", "kafka:9092");
        noPassword.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        noPassword.put("KAFKA_SASL_USERNAME", "chorus");
        assertThatThrownBy(() -> StartupSettings.toProperties(noPassword)).hasMessageContaining("KAFKA_SASL_PASSWORD");
        Map<String, String> missingFile = with("KAFKA_BROKERS", "kafka:9092");
        missingFile.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        missingFile.put("KAFKA_SASL_USERNAME", "chorus");
        missingFile.put("KAFKA_SASL_PASSWORD_FILE", "/nonexistent/kafka-password");
        assertThatThrownBy(() -> StartupSettings.toProperties(missingFile)).hasMessageContaining("KAFKA_SASL_PASSWORD_FILE")
                .hasMessageNotContaining("s3cr");
        Map<String, String> partitions = with("KAFKA_BROKERS", "kafka:9092");
        partitions.put("KAFKA_PARTITIONS", "0");
        assertThatThrownBy(() -> StartupSettings.toProperties(partitions)).hasMessageContaining("KAFKA_PARTITIONS");
    }

    static final String K1 = "first-key-0123456789-abcdefghijklmnop";
    static final String K2 = "second-key-0123456789-abcdefghijklmno";

    static Map<String, String> keys(String name, String value) {
        Map<String, String> env = new HashMap<>();
        env.put(name, value);
        return env;
    }

    @Test
    void jwtSecretsListsKeysTheSignerFirstAndJwtSecretIsAListOfOne() {
        assertThat(StartupSettings.toProperties(keys("JWT_SECRETS", K2 + ", " + K1)))
                .containsEntry("chorus.auth.jwt-secrets[0]", K2).containsEntry("chorus.auth.jwt-secrets[1]", K1)
                .doesNotContainKey("chorus.auth.jwt-secrets[2]");
        assertThat(StartupSettings.toProperties(keys("JWT_SECRETS", K2 + "\n" + K1 + "\n")))
                .containsEntry("chorus.auth.jwt-secrets[0]", K2).containsEntry("chorus.auth.jwt-secrets[1]", K1);
        assertThat(StartupSettings.toProperties(keys("JWT_SECRET", K1))).containsEntry("chorus.auth.jwt-secrets[0]", K1)
                .doesNotContainKey("chorus.auth.jwt-secrets[1]");
    }

    @Test
    void badKeyListsAreRefusedWithoutQuotingAKey() {
        Map<String, String> both = keys("JWT_SECRET", K1);
        both.put("JWT_SECRETS", K1 + "," + K2);
        assertThatThrownBy(() -> StartupSettings.toProperties(both)).hasMessageStartingWith("JWT_SECRET and JWT_SECRETS are both set");
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRETS", K1 + ",too-short")))
                .hasMessageStartingWith("JWT_SECRETS: key 2 is too short").hasMessageNotContaining("too-short,").hasMessageNotContaining(K1);
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRETS", K1 + "," + K2 + "," + K1)))
                .hasMessageStartingWith("JWT_SECRETS: key 3 repeats key 1").hasMessageNotContaining(K1);
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRETS", " , ,"))).hasMessageStartingWith("JWT_SECRET is missing");
    }

    @Test
    void everySecretMayComeFromAFileWithoutTheLineBreakAtItsEnd(@TempDir Path dir) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("JWT_SECRETS_FILE", Files.writeString(dir.resolve("keys"), K2 + "\n" + K1 + "\n").toString());
        env.put("DATABASE_URL_FILE", Files.writeString(dir.resolve("db"), "postgresql://app:pw@db:5432/chat\r\n").toString());
        env.put("DATABASE_REPLICA_URLS_FILE", Files.writeString(dir.resolve("replicas"), "postgresql://ro:rpw@r1/chat,postgresql://ro:rpw@r2/chat").toString());
        env.put("REDIS_URL_FILE", Files.writeString(dir.resolve("redis"), "redis://:rp@cache:6379\n").toString());
        assertThat(StartupSettings.toProperties(env)).containsEntry("chorus.auth.jwt-secrets[0]", K2)
                .containsEntry("chorus.auth.jwt-secrets[1]", K1)
                .containsEntry("spring.datasource.password", "pw")
                .containsEntry("spring.datasource.url", "jdbc:postgresql://db:5432/chat")
                .containsEntry("chorus.database.replicas[1].jdbc-url", "jdbc:postgresql://r2:5432/chat")
                .containsEntry("chorus.database.replicas[1].password", "rpw")
                .containsEntry("spring.data.redis.url", "redis://:rp@cache:6379");
        Map<String, String> sentinel = keys("JWT_SECRET", K1);
        sentinel.put("REDIS_SENTINELS", "10.0.0.1:26379");
        sentinel.put("REDIS_SENTINEL_MASTER", "main");
        sentinel.put("REDIS_PASSWORD_FILE", Files.writeString(dir.resolve("redis-password"), "s3cret\n").toString());
        assertThat(StartupSettings.toProperties(sentinel)).containsEntry("spring.data.redis.password", "s3cret")
                .containsEntry("spring.data.redis.sentinel.password", "s3cret");
    }

    @Test
    void aSecretFileThatCannotBeUsedIsRefusedNamingTheVariableAndPathButNoContent(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRET_FILE", dir.resolve("absent").toString())))
                .hasMessageStartingWith("JWT_SECRET_FILE: " + dir.resolve("absent") + " is not a file");
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRET_FILE", dir.toString())))
                .hasMessageContaining("is not a file");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRET_FILE", empty.toString()))).hasMessageEndingWith("is empty");
        Path huge = Files.write(dir.resolve("huge"), new byte[100_000]);
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRET_FILE", huge.toString()))).hasMessageContaining("larger than 64 KiB");
        Path binary = Files.write(dir.resolve("binary"), new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRET_FILE", binary.toString()))).hasMessageContaining("not UTF-8");
        Path secret = Files.writeString(dir.resolve("secret"), K1);
        Map<String, String> both = keys("JWT_SECRET_FILE", secret.toString());
        both.put("JWT_SECRET", K2);
        assertThatThrownBy(() -> StartupSettings.toProperties(both)).hasMessageStartingWith("JWT_SECRET and JWT_SECRET_FILE are both set")
                .hasMessageNotContaining(K1).hasMessageNotContaining(K2);
        Path shortKey = Files.writeString(dir.resolve("short"), "tiny-secret");
        assertThatThrownBy(() -> StartupSettings.toProperties(keys("JWT_SECRET_FILE", shortKey.toString())))
                .hasMessageStartingWith("JWT_SECRET is too short").hasMessageNotContaining("tiny-secret");
        Map<String, String> badUrl = keys("JWT_SECRET", K1);
        badUrl.put("DATABASE_URL_FILE", Files.writeString(dir.resolve("bad-url"), "mysql://root:hunter2@db/x").toString());
        assertThatThrownBy(() -> StartupSettings.toProperties(badUrl)).hasMessageStartingWith("DATABASE_URL is malformed")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void replicaUrlsAreCheckedOneByOneAndTheLagBoundIsADuration() {
        Map<String, String> env = with("DATABASE_REPLICA_URLS", "postgresql://ro@r1:5433/chat, mysql://ro:secret-pw@r2/chat");
        assertThatThrownBy(() -> StartupSettings.toProperties(env)).hasMessageStartingWith("DATABASE_REPLICA_URLS (URL 2) is malformed")
                .hasMessageNotContaining("secret-pw");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("DATABASE_URL", "postgresql://app@db/chat?password=hunter2")))
                .hasMessageContaining("not in its query").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StartupSettings.toProperties(with("DATABASE_REPLICA_MAX_LAG", "2s")))
                .hasMessageStartingWith("DATABASE_REPLICA_MAX_LAG must be");
        assertThat(StartupSettings.toProperties(with("DATABASE_REPLICA_URLS", "postgresql://ro@r1:5433/chat")))
                .containsEntry("chorus.database.replicas[0].name", "replica-1")
                .containsEntry("chorus.database.replicas[0].jdbc-url", "jdbc:postgresql://r1:5433/chat")
                .containsEntry("chorus.database.replica-max-lag", "PT2S");
        assertThat(StartupSettings.toProperties(valid())).doesNotContainKey("chorus.database.replicas[0].name");
    }

    @Test
    void caFilesMustBePemCertificatesAndRedisTlsNeedsARedissUrl(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Path notPem = Files.writeString(dir.resolve("ca.txt"), "hello", StandardCharsets.UTF_8);
        Map<String, String> tls = with("REDIS_URL", "rediss://cache:6380");
        tls.put("REDIS_TLS_CA_CERT", ca.toString());
        assertThat(StartupSettings.toProperties(tls)).containsEntry("spring.data.redis.ssl.bundle", "redis")
                .containsEntry("spring.ssl.bundle.pem.redis.truststore.certificate", "file:" + ca.toAbsolutePath());
        tls.put("REDIS_TLS_CA_CERT", notPem.toString());
        assertThatThrownBy(() -> StartupSettings.toProperties(tls)).hasMessageStartingWith("REDIS_TLS_CA_CERT: " + notPem);
        Map<String, String> plain = with("REDIS_URL", "redis://cache:6379");
        plain.put("REDIS_TLS_CA_CERT", ca.toString());
        assertThatThrownBy(() -> StartupSettings.toProperties(plain)).hasMessageContaining("not a rediss:// URL");
        assertThat(StartupSettings.toProperties(with("DATABASE_URL", "postgresql://db/chat?sslmode=verify-full&sslrootcert=" + ca)))
                .containsEntry("spring.datasource.url", "jdbc:postgresql://db:5432/chat?sslmode=verify-full&sslrootcert=" + ca);
        assertThatThrownBy(() -> StartupSettings.toProperties(with("DATABASE_URL", "postgresql://db/chat?sslmode=verify-full&sslrootcert=" + notPem)))
                .hasMessageStartingWith("DATABASE_URL: sslrootcert " + notPem + " is not a readable PEM certificate file");
    }
}
