package dev.chorus.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A Redis master, one replica and three Sentinels (quorum 2) of a test's own, from Debian's redis-server (run with
 * {@code --sentinel} for the Sentinels), on free loopback ports, all behind one password. Sentinels call the master
 * down after 2 s without an answer, so a failover is over a few seconds after {@link #killMaster()}.
 * Files (configs, which Sentinel rewrites, and logs) live in {@code target/sentinels/<id>/}.
 */
public final class RedisSentinels implements AutoCloseable {

    public static final String MASTER_NAME = "chorus";

    private final Path dir;
    private final String password = "pw-" + UUID.randomUUID().toString().replace("-", "");
    private final int masterPort = FreePorts.pick();
    private final int replicaPort = FreePorts.pick();
    private final List<Integer> sentinelPorts = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private Process master;

    public RedisSentinels() {
        try {
            dir = Files.createDirectories(Path.of("target", "sentinels", UUID.randomUUID().toString().substring(0, 8))
                    .toAbsolutePath());
            master = redis("master", masterPort, List.of());
            redis("replica", replicaPort, List.of("--replicaof", "127.0.0.1", Integer.toString(masterPort)));
            for (int i = 1; i <= 3; i++) {
                int port = FreePorts.pick();
                sentinelPorts.add(port);
                sentinel(i, port);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw new IllegalStateException("the Sentinel set could not start: " + e.getMessage(), e);
        }
        Await.until(Duration.ofSeconds(30), "three Sentinels that know the replica and each other", this::describe,
                seen -> sentinelPorts.stream().allMatch(this::sentinelSeesAll));
    }

    /** The environment an instance needs: REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_PASSWORD. */
    public Map<String, String> env() {
        return Map.of("REDIS_SENTINELS", sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")),
                "REDIS_SENTINEL_MASTER", MASTER_NAME, "REDIS_PASSWORD", password);
    }

    /** The port of the master as the Sentinels now name it. */
    public int currentMasterPort() {
        return ((InetSocketAddress) sentinel(sentinelPorts.getFirst(), c -> c.sync().getMasterAddrByName(MASTER_NAME))).getPort();
    }

    /** SIGKILL of the master the set started with: the Sentinels promote the replica. */
    public void killMaster() {
        master.destroyForcibly();
        try {
            master.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int replicaPort() {
        return replicaPort;
    }

    private Process redis(String name, int port, List<String> extra) throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--requirepass", password, "--masterauth", password,
                "--dir", dir.toString()));
        command.addAll(extra);
        Process process = start(name, command);
        Await.until(Duration.ofSeconds(10), name + " answering on " + port, () -> ping(port));
        return process;
    }

    private void sentinel(int n, int port) throws IOException {
        Path config = dir.resolve("sentinel-" + n + ".conf");
        Files.writeString(config, String.join("\n",
                "port " + port, "bind 127.0.0.1", "dir " + dir, "requirepass " + password,
                "sentinel sentinel-pass " + password,
                "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2",
                "sentinel auth-pass " + MASTER_NAME + " " + password,
                "sentinel down-after-milliseconds " + MASTER_NAME + " 2000",
                "sentinel failover-timeout " + MASTER_NAME + " 10000",
                "sentinel parallel-syncs " + MASTER_NAME + " 1", ""));
        start("sentinel-" + n, List.of("redis-server", config.toString(), "--sentinel"));
    }

    private Process start(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        processes.add(process);
        return process;
    }

    private boolean ping(int port) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withPassword(password.toCharArray()).withTimeout(Duration.ofSeconds(2)).build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return "PONG".equals(c.sync().ping());
        } catch (RuntimeException e) {
            return false;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private boolean sentinelSeesAll(int port) {
        try {
            return sentinel(port, c -> {
                Map<String, String> master = c.sync().master(MASTER_NAME);
                return Integer.parseInt(master.getOrDefault("num-slaves", "0")) >= 1
                        && Integer.parseInt(master.getOrDefault("num-other-sentinels", "0")) >= 2;
            });
        } catch (RuntimeException e) {
            return false;
        }
    }

    private <T> T sentinel(int port, Function<StatefulRedisSentinelConnection<String, String>, T> call) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withPassword(password.toCharArray()).withTimeout(Duration.ofSeconds(2)).build());
        try (var c = client.connectSentinel()) {
            return call.apply(c);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private String describe() {
        StringBuilder out = new StringBuilder();
        for (int port : sentinelPorts) {
            try {
                Map<String, String> master = sentinel(port, c -> c.sync().master(MASTER_NAME));
                out.append(port).append(": ").append(master).append("; ");
            } catch (RuntimeException e) {
                out.append(port).append(": ").append(e).append("; ");
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
