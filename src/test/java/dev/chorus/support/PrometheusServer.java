package dev.chorus.support;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * A real Prometheus (Debian's package) on a free loopback port, run on a config directory of the test's own
 * ({@code prometheus.yml} and what it names); its data and log live in that directory too. Never a system one.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/prometheus");

    private final Process process;
    private final Api api;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.api = new Api("http://127.0.0.1:" + port);
        this.log = log;
    }

    /** Starts Prometheus on {@code dir/prometheus.yml} and waits until it is ready; another port if its was taken. */
    public static PrometheusServer start(Path dir) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: run bin/chorus test, or apt-get install prometheus");
        }
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.pick();
            Path log = dir.resolve("prometheus-" + port + ".log");
            try {
                Process process = new ProcessBuilder(List.of(BINARY.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"))
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                PrometheusServer server = new PrometheusServer(process, port, log);
                if (server.awaitReady(Duration.ofSeconds(60))) {
                    return server;
                }
                server.close();
                if (attempt == 3 || !FreePorts.inUse(Files.readString(log))) {
                    throw new IllegalStateException("Prometheus did not start: " + Files.readString(log));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private boolean awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline) && process.isAlive()) {
            try {
                if (api.get("/-/ready", null).status() == 200) {
                    return true;
                }
            } catch (IllegalStateException notListeningYet) {
                // not yet
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The result vector of an instant query ({@code data.result}). */
    public JsonNode query(String promql) {
        Api.Response r = api.get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8), null);
        if (r.status() != 200) {
            throw new IllegalStateException("query " + promql + ": " + r);
        }
        return r.json().path("data").path("result");
    }

    /** The alerts pending or firing now ({@code data.alerts} of /api/v1/alerts). */
    public JsonNode alerts() {
        return api.get("/api/v1/alerts", null).json().path("data").path("alerts");
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        Processes.stop(process, Duration.ofSeconds(10));
    }
}
