package dev.chorus.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Chorus instance in its own JVM process, for claims about processes dying: {@link #kill()} is a real
 * SIGKILL, {@link #terminate()} a real SIGTERM. Its log goes to {@code target/process-logs/<id>.log}.
 */
public final class ChorusProcess implements AutoCloseable {

    private final String id;
    private final Process process;
    private final Api api;
    private final Path log;
    private final int port;
    private final Map<String, String> env;
    private final List<String> springArgs;

    private ChorusProcess(String id, Process process, int port, Path log, Map<String, String> env, List<String> springArgs) {
        this.id = id;
        this.process = process;
        this.api = new Api("http://127.0.0.1:" + port);
        this.log = log;
        this.port = port;
        this.env = env;
        this.springArgs = springArgs;
    }

    /** Starts the process on a free port and waits until it reports ready. */
    public static ChorusProcess start(String id, Map<String, String> env, String... springArgs) {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return start(id, port, false, Map.copyOf(env), List.of(springArgs));
    }

    /**
     * Starts this instance again, same id, port, environment and arguments, once its process has exited (after
     * {@link #kill()} or {@link #terminate}); waits until it reports ready. Its log is appended to the same file.
     */
    public ChorusProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(id + " is still running (pid " + process.pid() + ")");
        }
        return start(id, port, true, env, springArgs);
    }

    private static ChorusProcess start(String id, int port, boolean appendLog, Map<String, String> env, List<String> springArgs) {
        try {
            Path logs = Files.createDirectories(Path.of("target", "process-logs"));
            Path log = logs.resolve(id + ".log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.chorus.ChorusApplication"));
            command.addAll(springArgs);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(appendLog ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().putAll(env);
            builder.environment().put("INSTANCE_ID", id);
            builder.environment().put("PORT", Integer.toString(port));
            ChorusProcess started = new ChorusProcess(id, builder.start(), port, log, env, springArgs);
            started.awaitReady(Duration.ofSeconds(90));
            return started;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String id() {
        return id;
    }

    public Api api() {
        return api;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no drain, nothing handed off. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    /** SIGTERM without waiting: the graceful shutdown path runs while the caller goes on. */
    public void signalTerminate() {
        process.destroy();
    }

    /** SIGTERM: the graceful shutdown path. Returns once the process has exited. */
    public void terminate(Duration timeout) {
        process.destroy();
        waitFor(timeout);
    }

    /** Waits until the process has exited (after {@link #signalTerminate()}); fails after the timeout. */
    public void awaitExit(Duration timeout) {
        waitFor(timeout);
    }

    private void waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(id + " did not exit within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(id + " exited while starting; see " + log.toAbsolutePath());
            }
            try {
                if (api.get("/health/ready", null).status() == 200) {
                    return;
                }
            } catch (IllegalStateException notListeningYet) {
                // keep waiting
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException(id + " not ready within " + timeout + "; see " + log.toAbsolutePath());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(10));
        }
    }

    File logFile() {
        return log.toFile();
    }

    /** The process's log (its stdout and stderr: one JSON object per line once it has started). */
    public Path log() {
        return log;
    }
}
