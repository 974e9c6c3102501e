package dev.chorus.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A Redis server of a test's own (Debian's redis-server, no persistence) on a free loopback port, for faults that
 * must not touch the machine's shared Redis: killing every pub/sub client, stopping Redis, restarting it; or for
 * settings the shared one does not have: a password, TLS only.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final String password;
    private final TestCertificates tls;
    private Process process;

    public RedisServer() {
        this(null, null);
    }

    private RedisServer(String password, TestCertificates tls) {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.password = password;
        this.tls = tls;
        start();
    }

    /** A server that asks every client for this password. */
    public static RedisServer withPassword(String password) {
        return new RedisServer(password, null);
    }

    /** A server that speaks TLS only (no plain port), with this certificate; clients need not present one. */
    public static RedisServer tlsOnly(TestCertificates certificates) {
        return new RedisServer(null, certificates);
    }

    public int port() {
        return port;
    }

    /** A plain {@code redis://} URL, with the password if the server has one. */
    public String url() {
        return "redis://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + port;
    }

    /** Starts (or starts again) the server on its port and waits until it answers. */
    public void start() {
        List<String> command = new ArrayList<>(List.of("redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--protected-mode", "no"));
        if (tls == null) {
            command.addAll(List.of("--port", Integer.toString(port)));
        } else {
            command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file", tls.serverCertificate().toString(),
                    "--tls-key-file", tls.serverKey().toString(), "--tls-ca-cert-file", tls.ca().toString(), "--tls-auth-clients", "no"));
        }
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        try {
            Path log = Files.createDirectories(Path.of("target", "process-logs")).resolve("redis-" + port + ".log");
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server could not start", e);
        }
        Await.until(Duration.ofSeconds(10), "redis-server answering on " + port, () -> {
            try {
                return tls == null ? "PONG".equals(command(c -> c.sync().ping())) : listening();
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return process.isAlive();
        } catch (IOException e) {
            return false;
        }
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

    /** Runs something on a fresh connection to this server (not for a TLS-only one). */
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
