package dev.chorus.system;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every environment variable of SPEC §2, read in one place and turned into the Spring properties the modules use.
 * Anything malformed fails here with one line naming the variable (never quoting a secret), before a single bean is
 * created. Each secret variable may instead be given as {@code NAME_FILE}, the path of a file holding it (Docker
 * and Kubernetes secrets).
 */
public final class StartupSettings {

    /** The variables that hold secrets: each also accepted as NAME_FILE. */
    public static final List<String> SECRET_VARIABLES = List.of("JWT_SECRET", "JWT_SECRETS", "DATABASE_URL",
            "DATABASE_REPLICA_URLS", "REDIS_URL", "REDIS_PASSWORD", "KAFKA_SASL_PASSWORD", "KAFKA_SSL_TRUSTSTORE_PASSWORD",
            "KAFKA_SSL_KEYSTORE_PASSWORD", "KAFKA_SSL_KEY_PASSWORD");
    static final int MIN_SECRET_BYTES = 32;
    /** A secret file larger than this is a mistake (a wrong path), not a secret. */
    private static final long LARGEST_SECRET_FILE = 64 * 1024;
    private static final String DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/chorus";
    private static final String DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
    /** Loopback and the private ranges: where balancers' checks, Prometheus and operators usually are. */
    private static final String DEFAULT_OPS_ALLOWED = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

    private final Map<String, String> env;
    private final Map<String, Object> properties = new LinkedHashMap<>();

    private StartupSettings(Map<String, String> env) {
        this.env = env;
    }

    /** The Spring properties for this environment; throws {@link InvalidSettingsException} on the first bad value. */
    public static Map<String, Object> toProperties(Map<String, String> env) {
        StartupSettings settings = new StartupSettings(withSecretFiles(env));
        settings.readAll();
        return settings.properties;
    }

    private void readAll() {
        int port = integer("PORT", 8080, 0, 65535);
        put("server.port", port);
        put("chorus.instance-id", get("INSTANCE_ID", defaultInstanceId(port)));
        readDatabase();
        readRedis();
        readKafka();
        readAuth();
        put("chorus.web.cors-allowed-origins", get("CORS_ALLOWED_ORIGINS", ""));
        put("chorus.web.trusted-proxies", cidrs("TRUSTED_PROXIES", "127.0.0.0/8,::1/128"));
        put("chorus.web.ops-allowed-cidrs", cidrs("OPS_ALLOWED_CIDRS", DEFAULT_OPS_ALLOWED));
        put("spring.lifecycle.timeout-per-shutdown-phase", duration("SHUTDOWN_GRACE", "PT30S"));
        put("chorus.rate-limit.per-user", integer("RATE_LIMIT_PER_USER", 600, 0, Integer.MAX_VALUE));
        put("chorus.rate-limit.per-ip", integer("RATE_LIMIT_PER_IP", 1200, 0, Integer.MAX_VALUE));
        put("chorus.rate-limit.login", integer("RATE_LIMIT_LOGIN", 10, 0, Integer.MAX_VALUE));
        put("chorus.rate-limit.login-per-ip", integer("RATE_LIMIT_LOGIN_PER_IP", 60, 0, Integer.MAX_VALUE));
        put("chorus.scheduling.per-user-limit", integer("SCHEDULES_PER_USER", 100, 0, 1_000_000));
        put("chorus.redis.key-prefix", get("CHORUS_REDIS_PREFIX", "chorus:"));
        put("chorus.realtime.max-sockets-per-user", integer("WS_MAX_SOCKETS_PER_USER", 20, 1, Integer.MAX_VALUE));
        put("chorus.realtime.max-connections", integer("WS_MAX_CONNECTIONS", 20000, 1, Integer.MAX_VALUE));
        put("chorus.realtime.max-subscriptions", integer("WS_MAX_SUBSCRIPTIONS", 500, 1, Integer.MAX_VALUE));
        put("chorus.realtime.heap-ceiling-percent", integer("WS_HEAP_CEILING_PERCENT", 85, 1, 100));
        put("chorus.realtime.max-pending-upgrades", integer("WS_MAX_PENDING_UPGRADES", 256, 1, 100_000));
        put("chorus.startup.dependency-wait", duration("STARTUP_DEPENDENCY_WAIT", "PT60S"));
    }

    private void readDatabase() {
        DatabaseUrl db = DatabaseUrl.parse(get("DATABASE_URL", DEFAULT_DATABASE_URL));
        boolean pgBouncer = bool("DB_PGBOUNCER", false);
        int min = integer("DB_POOL_MIN", 2, 0, 1000);
        int max = integer("DB_POOL_MAX", 10, 1, 1000);
        if (min > max) {
            throw new InvalidSettingsException("DB_POOL_MIN (" + min + ") is larger than DB_POOL_MAX (" + max + ")");
        }
        put("spring.datasource.url", db.jdbcUrl(pgBouncer));
        if (db.username() != null) {
            put("spring.datasource.username", db.username());
        }
        if (db.password() != null) {
            put("spring.datasource.password", db.password());
        }
        put("spring.datasource.hikari.minimum-idle", min);
        put("spring.datasource.hikari.maximum-pool-size", max);
        readReplicas(pgBouncer, min, max);
    }

    /** DATABASE_REPLICA_URLS: each replica gets a pool of the primary's bounds; DATABASE_REPLICA_MAX_LAG bounds staleness. */
    private void readReplicas(boolean pgBouncer, int min, int max) {
        List<String> urls = list(get("DATABASE_REPLICA_URLS", ""));
        for (int i = 0; i < urls.size(); i++) {
            DatabaseUrl replica = DatabaseUrl.parse(urls.get(i), "DATABASE_REPLICA_URLS (URL " + (i + 1) + ")");
            String prefix = "chorus.database.replicas[" + i + "].";
            put(prefix + "name", "replica-" + (i + 1));
            put(prefix + "jdbc-url", replica.jdbcUrl(pgBouncer));
            put(prefix + "username", replica.username() == null ? "" : replica.username());
            put(prefix + "password", replica.password() == null ? "" : replica.password());
        }
        put("chorus.database.replica-pool-min", min);
        put("chorus.database.replica-pool-max", max);
        put("chorus.database.replica-max-lag", duration("DATABASE_REPLICA_MAX_LAG", "PT2S"));
    }

    private void readRedis() {
        String clusterNodes = get("REDIS_CLUSTER_NODES", "");
        String sentinels = get("REDIS_SENTINELS", "");
        if (!clusterNodes.isBlank()) {
            readRedisCluster(clusterNodes);
            return;
        }
        if (!sentinels.isBlank()) {
            String master = get("REDIS_SENTINEL_MASTER", "");
            if (master.isBlank()) {
                throw new InvalidSettingsException("REDIS_SENTINELS is set but REDIS_SENTINEL_MASTER is not");
            }
            put("spring.data.redis.sentinel.nodes", hostPorts("REDIS_SENTINELS", sentinels));
            put("spring.data.redis.sentinel.master", master);
            // One password for the Sentinels and the data nodes (SPEC §2), as `requirepass` and Sentinel's own
            // `requirepass` are usually set alike.
            String password = env.get("REDIS_PASSWORD");
            if (password != null && !password.isEmpty()) {
                put("spring.data.redis.password", password);
                put("spring.data.redis.sentinel.password", password);
            }
            readRedisTls(true);
            return;
        }
        String url = RedisUrl.validate(get("REDIS_URL", DEFAULT_REDIS_URL));
        put("spring.data.redis.url", url);
        readRedisTls(url.startsWith("rediss://"));
    }

    /**
     * REDIS_CLUSTER_NODES: some nodes of a Redis Cluster (Lettuce learns the rest), which replaces REDIS_URL and the
     * Sentinels. The client refreshes its view of the cluster every few seconds and at once on the signs of a change
     * (MOVED and ASK redirections, reconnections), so it follows a replica promoted in place of a dead master.
     * REDIS_PASSWORD is the nodes' password; REDIS_TLS_CA_CERT turns TLS on (there is no URL to say rediss://).
     */
    private void readRedisCluster(String nodes) {
        for (String other : List.of("REDIS_URL", "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER")) {
            if (get(other, null) != null) {
                throw new InvalidSettingsException("REDIS_CLUSTER_NODES and " + other + " are both set: keep one (a cluster is "
                        + "reached through its nodes, with REDIS_PASSWORD for its password)");
            }
        }
        put("spring.data.redis.cluster.nodes", hostPorts("REDIS_CLUSTER_NODES", nodes));
        if (get("CHORUS_REDIS_PREFIX", "").matches(".*[{}].*")) {
            throw new InvalidSettingsException("CHORUS_REDIS_PREFIX must not contain { or } on a Redis Cluster: Chorus places "
                    + "the hash tags in its keys itself");
        }
        String password = env.get("REDIS_PASSWORD");
        if (password != null && !password.isEmpty()) {
            put("spring.data.redis.password", password);
        }
        put("spring.data.redis.lettuce.cluster.refresh.period", "PT5S");
        put("spring.data.redis.lettuce.cluster.refresh.adaptive", true);
        put("chorus.redis.cluster", true);
        readRedisTls(get("REDIS_TLS_CA_CERT", null) != null);
    }

    /** REDIS_TLS_CA_CERT: a PEM file of the CA the Redis server's certificate is checked against (host name too). */
    private void readRedisTls(boolean tls) {
        String ca = get("REDIS_TLS_CA_CERT", null);
        if (ca == null) {
            return;
        }
        if (!tls) {
            throw new InvalidSettingsException("REDIS_TLS_CA_CERT is set but REDIS_URL is not a rediss:// URL");
        }
        if (!CertificateFiles.readablePem(ca)) {
            throw new InvalidSettingsException("REDIS_TLS_CA_CERT: " + ca + " is not a readable PEM certificate file");
        }
        put("spring.ssl.bundle.pem.redis.truststore.certificate", "file:" + Path.of(ca).toAbsolutePath());
        put("spring.data.redis.ssl.bundle", "redis");
        put("spring.data.redis.ssl.enabled", true);
    }

    /**
     * The Kafka pipeline's settings; with KAFKA_BROKERS unset the direct pipeline runs and the rest is ignored. Client
     * security (TLS, SASL) goes to {@code chorus.groups.kafka.client.*}, handed as is to every Kafka client.
     */
    private void readKafka() {
        String brokers = get("KAFKA_BROKERS", "");
        put("chorus.groups.kafka.brokers", brokers);
        if (brokers.isEmpty()) {
            return;
        }
        for (String broker : brokers.split(",")) {
            if (!broker.strip().matches("[A-Za-z0-9.\\-]+:[0-9]{1,5}|\\[[0-9A-Fa-f:.]+]:[0-9]{1,5}")) {
                throw new InvalidSettingsException("KAFKA_BROKERS must be comma-separated host:port pairs, not '" + brokers + "'");
            }
        }
        String topic = get("KAFKA_TOPIC", "chorus.messages");
        if (!topic.matches("[A-Za-z0-9._\\-]{1,249}")) {
            throw new InvalidSettingsException("KAFKA_TOPIC must be 1 to 249 letters, digits, '.', '_' or '-', not '" + topic + "'");
        }
        put("chorus.groups.kafka.topic", topic);
        put("chorus.groups.kafka.consumer-group", get("KAFKA_CONSUMER_GROUP", "chorus"));
        put("chorus.groups.kafka.partitions", integer("KAFKA_PARTITIONS", 12, 1, 10_000));
        put("chorus.groups.kafka.replication-factor", integer("KAFKA_REPLICATION_FACTOR", 3, 1, Short.MAX_VALUE));
        put("chorus.groups.kafka.min-insync-replicas", integer("KAFKA_MIN_INSYNC_REPLICAS", 2, 1, Short.MAX_VALUE));
        put("chorus.groups.kafka.send-timeout", duration("KAFKA_SEND_TIMEOUT", "PT10S"));
        readKafkaSecurity();
    }

    private void readKafkaSecurity() {
        String protocol = get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").toUpperCase();
        if (!protocol.matches("PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL")) {
            throw new InvalidSettingsException("KAFKA_SECURITY_PROTOCOL must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not '" + protocol + "'");
        }
        kafkaClient("security.protocol", protocol);
        if (protocol.startsWith("SASL")) {
            String mechanism = get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512").toUpperCase();
            if (!mechanism.matches("PLAIN|SCRAM-SHA-256|SCRAM-SHA-512")) {
                throw new InvalidSettingsException("KAFKA_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not '" + mechanism + "'");
            }
            String user = get("KAFKA_SASL_USERNAME", null);
            String password = get("KAFKA_SASL_PASSWORD", null);
            if (user == null || password == null) {
                throw new InvalidSettingsException("KAFKA_SECURITY_PROTOCOL " + protocol + " needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD");
            }
            String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            kafkaClient("sasl.mechanism", mechanism);
            kafkaClient("sasl.jaas.config", module + " required username=\"" + jaasQuoted(user) + "\" password=\""
                    + jaasQuoted(password) + "\";");
        }
        if (protocol.endsWith("SSL")) {
            optionalKafkaClient("ssl.truststore.location", get("KAFKA_SSL_TRUSTSTORE_LOCATION", null));
            optionalKafkaClient("ssl.truststore.password", get("KAFKA_SSL_TRUSTSTORE_PASSWORD", null));
            optionalKafkaClient("ssl.keystore.location", get("KAFKA_SSL_KEYSTORE_LOCATION", null));
            optionalKafkaClient("ssl.keystore.password", get("KAFKA_SSL_KEYSTORE_PASSWORD", null));
            optionalKafkaClient("ssl.key.password", get("KAFKA_SSL_KEY_PASSWORD", null));
        }
    }

    private void kafkaClient(String name, String value) {
        put("chorus.groups.kafka.client.[" + name + "]", value);
    }

    private void optionalKafkaClient(String name, String value) {
        if (value != null) {
            kafkaClient(name, value);
        }
    }

    /** A JAAS option value goes between double quotes: a quote or backslash in it is escaped. */
    private static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static String hostPorts(String name, String value) {
        for (String node : value.split(",", -1)) {
            if (!node.trim().matches("(\\[[0-9a-fA-F:.]+\\]|[^\\s:/@\\[\\]]+):\\d{1,5}")) {
                throw new InvalidSettingsException(name + " must be host:port pairs separated by commas, not '" + value + "'");
            }
        }
        return value.replace(" ", "");
    }

    private void readAuth() {
        List<String> keys = jwtKeys();
        for (int i = 0; i < keys.size(); i++) {
            put("chorus.auth.jwt-secrets[" + i + "]", keys.get(i));
        }
        put("chorus.auth.access-token-ttl", duration("ACCESS_TOKEN_TTL", "PT15M"));
        put("chorus.auth.refresh-token-ttl", duration("REFRESH_TOKEN_TTL", "P7D"));
        put("chorus.auth.refresh-session-max-age", duration("REFRESH_SESSION_MAX_AGE", "P30D"));
        // Half the cores by default: hashing can never take more than half the CPU from everything else.
        put("chorus.auth.password-hash-concurrency",
                integer("PASSWORD_HASH_CONCURRENCY", Math.max(1, Runtime.getRuntime().availableProcessors() / 2), 1, 1024));
        put("chorus.auth.password-hash-wait", duration("PASSWORD_HASH_WAIT", "PT1S"));
        put("chorus.auth.cookie-secure", bool("COOKIE_SECURE", true));
        put("chorus.auth.admin-emails", get("ADMIN_EMAILS", ""));
    }

    /** JWT_SECRETS (comma- or line-separated, the signer first) or JWT_SECRET: each key at least 32 bytes, no repeats. */
    private List<String> jwtKeys() {
        String one = env.get("JWT_SECRET");
        String many = env.get("JWT_SECRETS");
        boolean hasOne = one != null && !one.isBlank();
        boolean hasMany = many != null && !many.isBlank();
        if (hasOne && hasMany) {
            throw new InvalidSettingsException("JWT_SECRET and JWT_SECRETS are both set: keep JWT_SECRETS (the first key signs)");
        }
        if (!hasOne && !hasMany) {
            throw new InvalidSettingsException("JWT_SECRET is missing: set it (or JWT_SECRETS, for a key rotation) to the same "
                    + "random value of at least " + MIN_SECRET_BYTES + " bytes on every instance");
        }
        if (hasOne) {
            if (one.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                throw new InvalidSettingsException("JWT_SECRET is too short: it needs at least " + MIN_SECRET_BYTES + " bytes");
            }
            return List.of(one);
        }
        List<String> keys = Arrays.stream(many.split("[,\\r\\n]+")).map(String::trim).filter(k -> !k.isEmpty()).toList();
        if (keys.isEmpty()) {
            throw new InvalidSettingsException("JWT_SECRET is missing: JWT_SECRETS lists no key");
        }
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                throw new InvalidSettingsException("JWT_SECRETS: key " + (i + 1) + " is too short: each needs at least "
                        + MIN_SECRET_BYTES + " bytes");
            }
            if (keys.indexOf(keys.get(i)) != i) {
                throw new InvalidSettingsException("JWT_SECRETS: key " + (i + 1) + " repeats key " + (keys.indexOf(keys.get(i)) + 1));
            }
        }
        return keys;
    }

    /**
     * The environment with each secret given as NAME_FILE read into NAME. The file's content is the value, without
     * the line break an editor or {@code echo} leaves at its end.
     */
    static Map<String, String> withSecretFiles(Map<String, String> env) {
        Map<String, String> resolved = new HashMap<>(env);
        for (String name : SECRET_VARIABLES) {
            String path = env.get(name + "_FILE");
            if (path == null || path.isBlank()) {
                continue;
            }
            String direct = env.get(name);
            if (direct != null && !direct.isBlank()) {
                throw new InvalidSettingsException(name + " and " + name + "_FILE are both set: keep one");
            }
            resolved.put(name, readSecretFile(name + "_FILE", path.trim()));
        }
        return resolved;
    }

    private static String readSecretFile(String variable, String path) {
        String content;
        try {
            Path file = Path.of(path);
            if (!Files.isRegularFile(file)) {
                throw new InvalidSettingsException(variable + ": " + path + " is not a file");
            }
            if (Files.size(file) > LARGEST_SECRET_FILE) {
                throw new InvalidSettingsException(variable + ": " + path + " is larger than 64 KiB, which no secret is");
            }
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new InvalidSettingsException(variable + ": " + path + " is not UTF-8 text");
        } catch (IOException | InvalidPathException e) {
            throw new InvalidSettingsException(variable + ": " + path + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        String value = content.replaceFirst("(\\r?\\n)+\\z", "");
        if (value.isBlank()) {
            throw new InvalidSettingsException(variable + ": " + path + " is empty");
        }
        return value;
    }

    private static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    private String get(String name, String fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private int integer(String name, int fallback, int min, int max) {
        String value = get(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new InvalidSettingsException(name + " must be between " + min + " and " + max + ", not " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException(name + " must be a whole number, not '" + value + "'");
        }
    }

    private boolean bool(String name, boolean fallback) {
        String value = get(name, null);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase()) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new InvalidSettingsException(name + " must be true or false, not '" + value + "'");
        };
    }

    private String duration(String name, String fallback) {
        String value = get(name, fallback);
        try {
            Duration parsed = Duration.parse(value);
            if (parsed.isNegative() || parsed.isZero()) {
                throw new InvalidSettingsException(name + " must be a positive ISO-8601 duration, not " + value);
            }
            return value;
        } catch (DateTimeParseException e) {
            throw new InvalidSettingsException(name + " must be an ISO-8601 duration such as PT15M, not '" + value + "'");
        }
    }

    private String cidrs(String name, String fallback) {
        String value = get(name, fallback);
        try {
            Cidr.parseList(value);
            return value;
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingsException(name + " must be comma-separated IP addresses or CIDR ranges: " + e.getMessage());
        }
    }

    private void put(String key, Object value) {
        properties.put(key, value);
    }

    private static String defaultInstanceId(int port) {
        try {
            return InetAddress.getLocalHost().getHostName() + "-" + port;
        } catch (UnknownHostException e) {
            return "chorus-" + port;
        }
    }
}
