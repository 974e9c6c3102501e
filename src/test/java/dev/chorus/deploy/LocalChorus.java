package dev.chorus.deploy;

import dev.chorus.deploy.Commands.Result;
import dev.chorus.support.Api;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This checkout's {@code bin/chorus}, run as an operator would, against a state directory of its own
 * ({@code CHORUS_RUN_DIR} under {@code target/}), free loopback ports, and the database and Redis key prefix of a
 * {@link TestCluster}. The operations programs run from this test run's class path ({@code CHORUS_TOOLS_CLASSPATH}),
 * so bin/chorus never starts Maven inside the Maven build running the tests.
 *
 * <p>{@link #close()} runs {@code bin/chorus down} if anything still runs from the state directory, SIGKILLs
 * whatever is left; the directory stays (its logs explain a failure). The caller closes the TestCluster (database,
 * keys).
 */
final class LocalChorus implements AutoCloseable {

    private static final Path REPOSITORY = Path.of("").toAbsolutePath();
    private static final Pattern BUILDS = Pattern.compile("^builds\\s+(.*)$", Pattern.MULTILINE);

    private final Path dir;
    private final int lbPort;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final StringBuilder transcript = new StringBuilder(); // only touched by the test's thread

    private LocalChorus(Path dir, int lbPort) {
        this.dir = dir;
        this.lbPort = lbPort;
    }

    /** {@code slots} ports after the balancer's are kept free for instances (chorus-K takes lbPort + K). */
    static LocalChorus create(TestCluster cluster, int slots) throws IOException {
        int lbPort = LocalSystem.freePortBlock(slots + 1, 20_000, 27_000);
        Path dir = Files.createDirectories(Path.of("target", "local-chorus").toAbsolutePath()
                .resolve(UUID.randomUUID().toString().substring(0, 8)));
        // nginx's workers run as nobody when the master is root: they need to reach their temporary files.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalChorus chorus = new LocalChorus(dir, lbPort);
        chorus.settings.putAll(Map.of("CHORUS_RUN_DIR", dir.resolve("run").toString(),
                "CHORUS_LB_PORT", Integer.toString(lbPort), "CHORUS_BASE_PORT", Integer.toString(lbPort + 1),
                "CHORUS_DB", cluster.database(), "CHORUS_REDIS_PREFIX", cluster.redisPrefix(),
                "CHORUS_TOOLS_CLASSPATH", System.getProperty("java.class.path"),
                "CHORUS_JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1",
                // the load loops measure the deploy, not the limiter
                "RATE_LIMIT_PER_USER", "0", "RATE_LIMIT_PER_IP", "0"));
        chorus.settings.put("RATE_LIMIT_LOGIN_PER_IP", "0");
        // With six builds sharing two cores (load 30 and more), an instance's first Redis connection has been seen to
        // take longer than the 2 s of application.properties, and the instance stopped at start-up: the deploy then
        // rolled back as it should, but the test is about the deploy, not about start-up on a starved machine.
        chorus.settings.put("SPRING_DATA_REDIS_TIMEOUT", "10s");
        chorus.settings.put("SPRING_DATA_REDIS_CONNECT_TIMEOUT", "10s");
        chorus.note("state in " + dir + ", balancer on " + lbPort + ", database " + cluster.database());
        return chorus;
    }

    /** Sets an environment variable for every later command (and so for the instances they start). */
    LocalChorus with(String name, String value) {
        settings.put(name, value);
        return this;
    }

    Result chorus(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(REPOSITORY.resolve("bin/chorus").toString()));
        command.addAll(List.of(args));
        return Commands.run(REPOSITORY, dir, timeout, transcript, env -> {
            Commands.withoutChorusSettings(env);
            env.putAll(settings);
        }, command.toArray(String[]::new));
    }

    /** Runs bin/chorus and fails, with the transcript and logs, unless it exits 0. */
    Result succeed(Duration timeout, String... args) {
        Result result = chorus(timeout, args);
        if (result.exit() != 0) {
            throw new AssertionError("bin/chorus " + String.join(" ", args) + " exited " + result.exit() + "\n" + diagnostics());
        }
        return result;
    }

    Api balancer() {
        return new Api("http://127.0.0.1:" + lbPort);
    }

    Path dir() {
        return dir;
    }

    /** What `bin/chorus status` says each instance runs: name → release id. */
    Map<String, String> builds() {
        Result status = succeed(Duration.ofSeconds(60), "status");
        Matcher line = BUILDS.matcher(status.output());
        Map<String, String> builds = new LinkedHashMap<>();
        if (line.find()) {
            for (String pair : line.group(1).trim().split("\\s+")) {
                String[] nameRelease = pair.split("=", 2);
                builds.put(nameRelease[0], nameRelease[1]);
            }
        }
        return builds;
    }

    void note(String line) {
        transcript.append("# ").append(line).append('\n');
    }

    /** Every command run so far with its output, exit code and duration. */
    String transcript() {
        return transcript.toString();
    }

    /** The transcript of every command, then the last lines of each log in the state directory. */
    String diagnostics() {
        StringBuilder out = new StringBuilder("---- transcript\n").append(transcript);
        out.append(Commands.logTails(dir, 4000));
        return out.toString();
    }

    @Override
    public void close() {
        if (!LocalSystem.processesUnder(dir).isEmpty()) {
            chorus(Duration.ofMinutes(3), "down");
            LocalSystem.kill(LocalSystem.processesUnder(dir).keySet());
        }
    }
}
