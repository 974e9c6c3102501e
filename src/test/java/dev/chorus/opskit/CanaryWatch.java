package dev.chorus.opskit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Watches a canary instance for a set time through the balancer's access log (what clients really got from it,
 * whatever the instance reports about itself) and its readiness, and decides: exit 0 promote, 1 roll back (the
 * reason on stdout), 2 bad usage. It rolls back early once the error rate is over the limit, at once if the
 * canary's process exits, and after three looks in a row at a not-ready canary.
 *
 * <pre>
 * CanaryWatch --access-log FILE --canary HOST:PORT [--pid PID] [--duration 60] [--max-error-rate 0.01] [--min-requests 20]
 * </pre>
 */
public final class CanaryWatch {

    private static final Duration LOOK_EVERY = Duration.ofSeconds(1);
    private static final int NOT_READY_LOOKS = 3;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] args) throws IOException, InterruptedException {
        Path log;
        String canary;
        Long pid;
        Duration duration;
        CanaryTally tally;
        try {
            ToolOptions options = ToolOptions.parse(Set.of("access-log", "canary", "pid", "duration", "max-error-rate",
                    "min-requests"), args);
            if (!options.positional().isEmpty()) {
                throw new IllegalArgumentException("unexpected argument " + options.positional().getFirst());
            }
            log = Path.of(options.required("access-log"));
            canary = options.required("canary");
            if (!canary.matches("[A-Za-z0-9.-]+:\\d{1,5}")) {
                throw new IllegalArgumentException("--canary must be HOST:PORT as the balancer names it, not '" + canary + "'");
            }
            pid = options.text("pid", null) == null ? null : options.count("pid", 0);
            duration = options.seconds("duration", Duration.ofSeconds(60));
            tally = new CanaryTally(canary, options.fraction("max-error-rate", 0.01), options.count("min-requests", 20));
        } catch (IllegalArgumentException e) {
            System.err.println("canary watch: " + e.getMessage());
            System.exit(2);
            return;
        }
        CanaryTally.Verdict verdict = watch(LogTail.fromEnd(log), canary, pid, duration, tally);
        System.out.println(verdict instanceof CanaryTally.Verdict.Promote p ? "promote: " + p.reason()
                : "roll back: " + ((CanaryTally.Verdict.RollBack) verdict).reason());
        System.exit(verdict instanceof CanaryTally.Verdict.Promote ? 0 : 1);
    }

    static CanaryTally.Verdict watch(LogTail log, String canary, Long pid, Duration duration, CanaryTally tally)
            throws IOException, InterruptedException {
        Instant end = Instant.now().plus(duration);
        int notReady = 0;
        while (true) {
            Thread.sleep(LOOK_EVERY); // the watch's pace: the balancer flushes its log every second
            log.newLines().forEach(line -> UpstreamAttempts.parse(line).ifPresent(tally::add));
            if (pid != null && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                return new CanaryTally.Verdict.RollBack("the canary's process exited (see its log)");
            }
            int ready = readiness(canary);
            notReady = ready == 200 ? 0 : notReady + 1;
            if (notReady >= NOT_READY_LOOKS) {
                return new CanaryTally.Verdict.RollBack("the canary was not ready " + NOT_READY_LOOKS + " looks in a row (last: "
                        + (ready < 0 ? "no answer" : ready) + ")");
            }
            CanaryTally.Verdict verdict = tally.judge(!Instant.now().isBefore(end));
            System.err.println("canary watch: " + tally.requests() + " requests, " + tally.errors() + " errors");
            if (!(verdict instanceof CanaryTally.Verdict.Undecided)) {
                return verdict;
            }
        }
    }

    private static int readiness(String canary) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + canary + "/health/ready")).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
