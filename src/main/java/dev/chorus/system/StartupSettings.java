package dev.chorus.system;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every environment variable of SPEC §2, read in one place and turned into the Spring properties the modules use.
 * Anything malformed fails here with one line naming the variable, before a single bean is created.
 */
public final class StartupSettings {

    static final int MIN_SECRET_BYTES = 32;
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
        StartupSettings settings = new StartupSettings(env);
        settings.readAll();
        return settings.properties;
    }

    private void readAll() {
        int port = integer("PORT", 8080, 0, 65535);
        put("server.port", port);
        put("chorus.instance-id", get("INSTANCE_ID", defaultInstanceId(port)));
        readDatabase();
        readRedis();
        put("chorus.kafka.brokers", get("KAFKA_BROKERS", ""));
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
    }

    private void readRedis() {
        String sentinels = get("REDIS_SENTINELS", "");
        if (!sentinels.isBlank()) {
            String master = get("REDIS_SENTINEL_MASTER", "");
            if (master.isBlank()) {
                throw new InvalidSettingsException("REDIS_SENTINELS is set but REDIS_SENTINEL_MASTER is not");
            }
            put("spring.data.redis.sentinel.nodes", sentinelNodes(sentinels));
            put("spring.data.redis.sentinel.master", master);
            // One password for the Sentinels and the data nodes (SPEC §2), as `requirepass` and Sentinel's own
            // `requirepass` are usually set alike.
            String password = env.get("REDIS_PASSWORD");
            if (password != null && !password.isEmpty()) {
                put("spring.data.redis.password", password);
                put("spring.data.redis.sentinel.password", password);
            }
            return;
        }
        put("spring.data.redis.url", RedisUrl.validate(get("REDIS_URL", DEFAULT_REDIS_URL)));
    }

    private static String sentinelNodes(String value) {
        for (String node : value.split(",", -1)) {
            if (!node.trim().matches("(\\[[0-9a-fA-F:.]+\\]|[^\\s:/@\\[\\]]+):\\d{1,5}")) {
                throw new InvalidSettingsException("REDIS_SENTINELS must be host:port pairs separated by commas, not '" + value + "'");
            }
        }
        return value.replace(" ", "");
    }

    private void readAuth() {
        String secret = env.get("JWT_SECRET");
        if (secret == null || secret.isBlank()) {
            throw new InvalidSettingsException("JWT_SECRET is missing: set it to the same random value of at least "
                    + MIN_SECRET_BYTES + " bytes on every instance");
        }
        if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new InvalidSettingsException("JWT_SECRET is too short: it needs at least " + MIN_SECRET_BYTES + " bytes");
        }
        put("chorus.auth.jwt-secret", secret);
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
