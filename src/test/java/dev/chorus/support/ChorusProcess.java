package dev.chorus.support;

import java.io.File;
import java.io.IOException;
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

    private static final String DEFAULT_HEAP = "256m";

    private final String id;
    private final Process process;
    private final Api api;
    private final Path log;
    private final int port;
    private final Map<String, String> env;
    private final List<String> springArgs;
    private final String maxHeap;

    private ChorusProcess(String id, Process process, int port, Path log, Map<String, String> env, List<String> springArgs,
            String maxHeap) {
        this.id = id;
        this.process = process;
        this.api = new Api("http://127.0.0.1:" + port);
        this.log = log;
        this.port = port;
        this.env = env;
        this.springArgs = springArgs;
        this.maxHeap = maxHeap;
    }

    /**
     * Starts the process on a free port ({@link FreePorts}) and waits until it reports ready; if another process took
     * the port first, tries again on another one.
     */
    public static ChorusProcess start(String id, Map<String, String> env, String... springArgs) {
        return startWithHeap(id, DEFAULT_HEAP, env, springArgs);
    }

    /** As {@link #start}, with this largest heap ({@code -Xmx}, e.g. "96m") instead of the default 256m. */
    public static ChorusProcess startWithHeap(String id, String maxHeap, Map<String, String> env, String... springArgs) {
        for (int attempt = 1; ; attempt++) {
            try {
                return start(id, FreePorts.pick(), false, Map.copyOf(env), List.of(springArgs), maxHeap);
            } catch (PortInUse e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * Starts this instance again, same id, port, environment and arguments, once its process has exited (after
     * {@link #kill()} or {@link #terminate}); waits until it reports ready. Its log is appended to the same file.
     */
    public ChorusProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(id + " is still running (pid " + process.pid() + ")");
        }
        return start(id, port, true, env, springArgs, maxHeap);
    }

    private static ChorusProcess start(String id, int port, boolean appendLog, Map<String, String> env, List<String> springArgs,
            String maxHeap) {
        try {
            Path logs = Files.createDirectories(Path.of("target", "process-logs"));
            Path log = logs.resolve(id + ".log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + maxHeap, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.chorus.ChorusApplication"));
            command.addAll(springArgs);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(appendLog ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().putAll(env);
            builder.environment().put("INSTANCE_ID", id);
            builder.environment().put("PORT", Integer.toString(port));
            ChorusProcess started = new ChorusProcess(id, builder.start(), port, log, env, springArgs, maxHeap);
            try {
                // Three JVMs starting at once on two busy cores (load 20-30 while other suites run) have taken over 90 s.
                started.awaitReady(Duration.ofSeconds(180));
            } catch (RuntimeException notReady) {
                started.close(); // nobody else holds it yet: do not leave it running
                throw notReady;
            }
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

    /** Waits until this process answers ready on its port (the instance id tells it from anything else there). */
    private void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String seen = "no answer";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                String output = readLog();
                if (FreePorts.inUse(output)) {
                    throw new PortInUse(id + " could not bind port " + port + "; see " + log.toAbsolutePath());
                }
                throw new IllegalStateException(id + " exited while starting; see " + log.toAbsolutePath());
            }
            try {
                Api.Response ready = api.get("/health/ready", null);
                seen = ready.status() + " from " + ready.header("X-Instance-ID") + ": " + ready.raw().body();
                if (ready.status() == 200 && id.equals(ready.header("X-Instance-ID")) && process.isAlive()) {
                    return;
                }
            } catch (IllegalStateException notListeningYet) {
                seen = notListeningYet.toString();
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException(id + " not ready within " + timeout + " (last answer: " + seen + "); see "
                + log.toAbsolutePath());
    }

    private String readLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** The process could not bind its port: someone else took it between the pick and the bind. */
    private static final class PortInUse extends IllegalStateException {
        PortInUse(String message) {
            super(message);
        }
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
