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

    private ChorusProcess(String id, Process process, Api api, Path log) {
        this.id = id;
        this.process = process;
        this.api = api;
        this.log = log;
    }

    /** Starts the process and waits until it reports ready. */
    public static ChorusProcess start(String id, Map<String, String> env, String... springArgs) {
        try {
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            Path logs = Files.createDirectories(Path.of("target", "process-logs"));
            Path log = logs.resolve(id + ".log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.chorus.ChorusApplication"));
            command.addAll(List.of(springArgs));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            builder.environment().put("INSTANCE_ID", id);
            builder.environment().put("PORT", Integer.toString(port));
            ChorusProcess started = new ChorusProcess(id, builder.start(), new Api("http://127.0.0.1:" + port), log);
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

    /** SIGTERM: the graceful shutdown path. Returns once the process has exited. */
    public void terminate(Duration timeout) {
        process.destroy();
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
}
