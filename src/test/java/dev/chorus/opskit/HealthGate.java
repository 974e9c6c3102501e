package dev.chorus.opskit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The health gate of a deploy: new instances must each become ready on their port, answer as themselves, have an
 * API that refuses an unauthenticated call with a 4xx (not a 5xx), and stay so for a stable window, before they
 * take traffic. Exits 0 when every instance passed, 1 when any failed (each one's summary on stdout), 2 on bad
 * usage. {@code --start-timeout}: how long an instance may take to answer at all; {@code --timeout}: how long, from
 * its first answer, it may take to be ready and steady (see {@link GateState}).
 *
 * <pre>
 * HealthGate --instance NAME=PORT[:PID] [--instance ...] [--start-timeout 300] [--timeout 120] [--stable 3]
 * </pre>
 * With a PID, an instance whose process exits fails at once instead of at the deadline.
 */
public final class HealthGate {

    private static final Duration LOOK_EVERY = Duration.ofMillis(500);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Target(String name, int port, Optional<Long> pid) {

        static Target parse(String spec) {
            String[] nameRest = spec.split("=", 2);
            if (nameRest.length != 2 || !nameRest[0].matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("--instance must be NAME=PORT[:PID], not '" + spec + "'");
            }
            String[] portPid = nameRest[1].split(":", 2);
            try {
                int port = Integer.parseInt(portPid[0]);
                if (port < 1 || port > 65_535) {
                    throw new NumberFormatException();
                }
                Optional<Long> pid = portPid.length == 2 ? Optional.of(Long.parseLong(portPid[1])) : Optional.empty();
                return new Target(nameRest[0], port, pid);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--instance must be NAME=PORT[:PID] with a port of 1-65535, not '" + spec + "'");
            }
        }

        boolean exited() {
            return pid.isPresent() && ProcessHandle.of(pid.get()).map(p -> !p.isAlive()).orElse(true);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        List<Target> targets = new ArrayList<>();
        List<GateState> states;
        try {
            ToolOptions options = ToolOptions.parse(Set.of("instance", "start-timeout", "timeout", "stable"), args);
            options.all("instance").forEach(spec -> targets.add(Target.parse(spec)));
            if (targets.isEmpty() || !options.positional().isEmpty()) {
                throw new IllegalArgumentException(
                        "usage: HealthGate --instance NAME=PORT[:PID] ... [--start-timeout S] [--timeout S] [--stable S]");
            }
            Duration startTimeout = options.seconds("start-timeout", Duration.ofSeconds(300));
            Duration timeout = options.seconds("timeout", Duration.ofSeconds(120));
            Duration stable = options.seconds("stable", Duration.ofSeconds(3));
            Instant now = Instant.now();
            states = targets.stream().map(t -> new GateState(t.name(), stable, now, startTimeout, timeout)).toList();
        } catch (IllegalArgumentException e) {
            System.err.println("health gate: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(targets, states) ? 0 : 1);
    }

    static boolean run(List<Target> targets, List<GateState> states) throws InterruptedException {
        while (states.stream().anyMatch(s -> !s.isFinal())) {
            for (int i = 0; i < targets.size(); i++) {
                GateState state = states.get(i);
                GateState.Phase before = state.phase();
                if (state.isFinal()) {
                    continue;
                }
                if (targets.get(i).exited()) {
                    state.exited();
                } else {
                    state.observe(Instant.now(), probe(targets.get(i)));
                }
                state.checkDeadlines(Instant.now());
                if (state.phase() != before) {
                    System.err.println("health gate: " + state.summary());
                }
            }
            Thread.sleep(LOOK_EVERY); // the gate's pace between looks
        }
        states.forEach(s -> System.out.println(s.summary()));
        return states.stream().allMatch(s -> s.phase() == GateState.Phase.PASSED);
    }

    private static GateState.Probe probe(Target target) {
        String base = "http://127.0.0.1:" + target.port();
        try {
            HttpResponse<String> ready = get(base + "/health/ready");
            String servedBy = ready.headers().firstValue("X-Instance-ID").orElse("?");
            if (ready.statusCode() != 200 || !target.name().equals(servedBy)) {
                return new GateState.Probe(ready.statusCode(), servedBy, -1, abbreviate(ready.body()));
            }
            HttpResponse<String> api = get(base + "/api/users/me");
            return new GateState.Probe(200, servedBy, api.statusCode(), abbreviate(api.body()));
        } catch (IOException e) {
            return new GateState.Probe(-1, null, -1, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new GateState.Probe(-1, null, -1, "interrupted");
        }
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String abbreviate(String body) {
        String flat = body.replaceAll("\\s+", " ").strip();
        return flat.length() <= 160 ? flat : flat.substring(0, 160) + "...";
    }
}
