package dev.chorus.support;

import dev.chorus.ChorusApplication;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Several Chorus instances (separate application contexts on their own ports) sharing one PostgreSQL database and
 * one Redis, both real and local. Each cluster gets a database and a Redis key prefix of its own, dropped on close,
 * so tests never see each other's data.
 */
public final class TestCluster implements AutoCloseable {

    public static final String POSTGRES = "postgresql://postgres@127.0.0.1:5432/";
    public static final String REDIS = "redis://127.0.0.1:6379";
    public static final String SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

    private final String database;
    private final String prefix;
    private final Map<String, String> common = new HashMap<>();
    private final List<Instance> instances = new ArrayList<>();
    private final List<ChorusProcess> processes = new ArrayList<>();

    public TestCluster() {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        this.database = "chorus_t_" + id;
        this.prefix = "t" + id + ":";
        execute("CREATE DATABASE " + database);
        common.put("DATABASE_URL", POSTGRES + database);
        common.put("REDIS_URL", REDIS);
        common.put("JWT_SECRET", SECRET);
        common.put("PORT", "0");
        common.put("COOKIE_SECURE", "false");
        common.put("CHORUS_REDIS_PREFIX", prefix);
        common.put("DB_POOL_MIN", "1");
        common.put("DB_POOL_MAX", "5");
        // Every test user comes from 127.0.0.1 and signs up and in: tests that are about this limit turn it on.
        common.put("RATE_LIMIT_LOGIN_PER_IP", "0");
    }

    /** Sets an environment variable for every instance started from now on. */
    public TestCluster with(String name, String value) {
        common.put(name, value);
        return this;
    }

    public Instance start(String instanceId) {
        return start(instanceId, Map.of());
    }

    /** The environment an instance of this cluster gets, with the given overrides. */
    public Map<String, String> env(String instanceId, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(common);
        env.put("INSTANCE_ID", instanceId);
        env.putAll(overrides);
        return env;
    }

    /** Starts an instance as a separate JVM process (for SIGKILL and SIGTERM claims); stopped on close. */
    public ChorusProcess startProcess(String instanceId, String... springArgs) {
        ChorusProcess process = ChorusProcess.start(instanceId, env(instanceId, Map.of()), springArgs);
        processes.add(process);
        return process;
    }

    /**
     * Starts instance processes with these ids in parallel and returns them in that order; stopped on close, also
     * those that started when another one failed to.
     */
    public List<ChorusProcess> startProcesses(String... instanceIds) {
        List<CompletableFuture<ChorusProcess>> starting = new ArrayList<>();
        for (String id : instanceIds) {
            starting.add(CompletableFuture.supplyAsync(() -> ChorusProcess.start(id, env(id, Map.of()))));
        }
        CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).exceptionally(failed -> null).join();
        starting.stream().filter(f -> !f.isCompletedExceptionally()).map(CompletableFuture::join).forEach(processes::add);
        return starting.stream().map(CompletableFuture::join).toList();
    }

    /** Starts an instance process with extra environment variables; stopped on close. */
    public ChorusProcess startProcess(String instanceId, Map<String, String> overrides, String... springArgs) {
        ChorusProcess process = ChorusProcess.start(instanceId, env(instanceId, overrides), springArgs);
        processes.add(process);
        return process;
    }

    /** Starts an exited instance process again on its port ({@link ChorusProcess#restart()}); stopped on close. */
    public ChorusProcess restart(ChorusProcess exited) {
        ChorusProcess process = exited.restart();
        processes.add(process);
        return process;
    }

    public Instance start(String instanceId, Map<String, String> overrides, String... args) {
        Map<String, String> env = env(instanceId, overrides);
        List<String> all = new ArrayList<>(List.of("--chorus.shutdown.drain-delay=PT0S",
                "--chorus.cluster.heartbeat-interval=PT0.5S"));
        all.addAll(List.of(args));
        ConfigurableApplicationContext context = ChorusApplication.start(env, all.toArray(String[]::new));
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        Instance instance = new Instance(instanceId, context, new Api("http://127.0.0.1:" + port));
        instances.add(instance);
        return instance;
    }

    public List<Instance> startMany(int count) {
        List<Instance> started = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            started.add(start("chorus-" + i));
        }
        return started;
    }

    public List<Instance> instances() {
        return List.copyOf(instances);
    }

    public String database() {
        return database;
    }

    public String redisPrefix() {
        return prefix;
    }

    /** Runs a query against this cluster's database and returns the first column of the first row as a long. */
    public long queryLong(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "");
                Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a statement against this cluster's database. */
    public void update(String sql) {
        sql(sql);
    }

    /** Runs statements against this cluster's database as the superuser (set-up, faults such as REVOKE). */
    public void sql(String... statements) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "");
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(String.join("; ", statements) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        instances.forEach(Instance::stop);
        processes.forEach(ChorusProcess::close);
        dropDatabase(database);
        deleteKeys(prefix);
    }

    /** Drops a database of the local PostgreSQL, closing its connections first. */
    public static void dropDatabase(String name) {
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    /** Deletes every key of the local Redis that starts with this prefix. */
    public static void deleteKeys(String prefix) {
        RedisClient client = RedisClient.create(REDIS);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            ScanIterator<String> keys = ScanIterator.scan(c.sync(), ScanArgs.Builder.matches(prefix + "*").limit(500));
            while (keys.hasNext()) {
                c.sync().del(keys.next());
            }
        } finally {
            client.shutdown();
        }
    }

    /** Runs a statement on the server's maintenance database as the superuser (roles, databases). */
    public static void admin(String sql) {
        execute(sql);
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** One running instance. */
    public record Instance(String id, ConfigurableApplicationContext context, Api api) {
        public void stop() {
            if (context.isActive()) {
                context.close();
            }
        }

        public <T> T bean(Class<T> type) {
            return context.getBean(type);
        }
    }
}
