package dev.chorus.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A Redis server of a test's own (Debian's redis-server, no persistence) on a free loopback port, for faults that
 * must not touch the machine's shared Redis: killing every pub/sub client, stopping Redis, restarting it.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private Process process;

    public RedisServer() {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        start();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts (or starts again) the server on its port and waits until it answers PING. */
    public void start() {
        try {
            Path log = Files.createDirectories(Path.of("target", "process-logs")).resolve("redis-" + port + ".log");
            process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--protected-mode", "no"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server could not start", e);
        }
        Await.until(Duration.ofSeconds(10), "redis-server answering on " + port, () -> {
            try {
                return "PONG".equals(command(c -> c.sync().ping()));
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    /** Stops the server at once (SIGKILL), as a crash would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs something on a fresh connection to this server. */
    public <T> T command(Function<StatefulRedisConnection<String, String>, T> action) {
        RedisClient client = RedisClient.create(url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return action.apply(c);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        kill();
    }
}
