package dev.chorus.deploy;

import dev.chorus.support.Api;
import dev.chorus.deploy.Commands.Result;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A newcomer's checkout: the repository under test cloned into a new, empty temporary directory (no {@code .chorus/},
 * no {@code target/}), where {@code bin/chorus} runs on free loopback ports of its own, with a database and a Redis
 * key prefix of its own. Every command and its output go into a transcript, which {@link #diagnostics()} returns
 * with the tails of the cluster's logs for failure messages.
 *
 * <p>The clone holds the committed HEAD of the repository the tests run in: uncommitted changes are not in it, as
 * they would not be in anyone's clone. A change to {@code bin/} or {@code deploy/} is tested here once committed.
 *
 * <p>{@link #close()} stops whatever still runs from the clone ({@code bin/chorus down}, then SIGKILL for any
 * process left), drops the database, deletes the Redis keys and the directory.
 */
final class FreshCheckout implements AutoCloseable {

    static final int INSTANCES = 3;
    private static final Path REPOSITORY = Path.of("").toAbsolutePath();

    private final Path parent;
    private final Path dir;
    private final int lbPort; // the instances take lbPort + 1 ... lbPort + INSTANCES
    private final String database;
    private final String redisPrefix;
    private final StringBuilder transcript = new StringBuilder(); // only touched by the test's thread

    private FreshCheckout(Path parent, int lbPort, String id) {
        this.parent = parent;
        this.dir = parent.resolve("chorus");
        this.lbPort = lbPort;
        this.database = "chorus_fresh_" + id;
        this.redisPrefix = "fresh" + id + ":";
    }

    /** Clones the repository under test into a new temporary directory; {@code label} heads its transcript. */
    static FreshCheckout cloneRepository(String label) throws IOException {
        // Below the ephemeral range (where the other tests' port-0 servers land), away from bin/chorus's defaults.
        int lbPort = LocalSystem.freePortBlock(INSTANCES + 1, 20_000, 27_000);
        // A temporary directory is private (0700); a home directory is not. nginx's workers run as nobody and must
        // reach their temporary files under .chorus/lb/, as they do in a checkout under /home or /srv.
        Path parent = Files.createTempDirectory("chorus-fresh-").toRealPath();
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        FreshCheckout checkout = new FreshCheckout(parent, lbPort, id);
        checkout.note(label + ": ports " + checkout.ports() + ", database " + checkout.database + ", Redis prefix "
                + checkout.redisPrefix);
        Result uncommitted = checkout.run(REPOSITORY, Duration.ofSeconds(30), "git", "status", "--porcelain", "--", "bin", "deploy");
        if (uncommitted.exit() == 0 && !uncommitted.output().isBlank()) {
            checkout.note("uncommitted changes to bin/ or deploy/ are not in the clone (it holds HEAD)");
        }
        Result clone = checkout.run(parent, Duration.ofMinutes(2), "git", "clone", "--quiet", "--no-hardlinks",
                "file://" + REPOSITORY, checkout.dir.toString());
        if (clone.exit() != 0) {
            checkout.close();
            throw new AssertionError("git clone of " + REPOSITORY + " failed (the test needs a git checkout):\n" + checkout.transcript);
        }
        return checkout;
    }

    /** Runs bin/chorus with these arguments in the clone, as a newcomer's shell would (no CHORUS_ or server settings). */
    Result chorus(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("bin/chorus"));
        command.addAll(List.of(args));
        return run(dir, timeout, command.toArray(String[]::new));
    }

    /** The balancer's port, then each instance's. */
    List<Integer> ports() {
        return IntStream.rangeClosed(lbPort, lbPort + INSTANCES).boxed().toList();
    }

    Api balancer() {
        return new Api("http://127.0.0.1:" + lbPort);
    }

    void note(String line) {
        transcript.append("# ").append(line).append('\n');
    }

    /** Processes whose working directory or command line lies in the clone, with their command lines. */
    Map<Long, String> processesRunningFromHere() {
        return LocalSystem.processesUnder(dir);
    }

    /** Every command run so far with its output, exit code and duration. */
    String transcript() {
        return transcript.toString();
    }

    /** The transcript of every command, then the last lines of each log under .chorus/. */
    String diagnostics() {
        StringBuilder out = new StringBuilder("---- transcript (").append(dir).append(")\n").append(transcript);
        Path run = dir.resolve(".chorus");
        if (Files.isDirectory(run)) {
            out.append(Commands.logTails(run, 6000));
        }
        return out.toString();
    }

    @Override
    public void close() {
        try {
            if (!processesRunningFromHere().isEmpty()) {
                note("cleaning up: processes still running from the clone");
                chorus(Duration.ofMinutes(3), "down");
                LocalSystem.kill(processesRunningFromHere().keySet());
            }
        } finally {
            TestCluster.dropDatabase(database);
            TestCluster.deleteKeys(redisPrefix);
            deleteRecursively(parent);
        }
    }

    private Result run(Path workingDir, Duration timeout, String... command) {
        return Commands.run(workingDir, parent, timeout, transcript, env -> {
            Commands.withoutChorusSettings(env);
            env.put("CHORUS_LB_PORT", Integer.toString(lbPort));
            env.put("CHORUS_BASE_PORT", Integer.toString(lbPort + 1));
            env.put("CHORUS_DB", database);
            env.put("CHORUS_REDIS_PREFIX", redisPrefix);
        }, command);
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // the temporary directory stays behind; nothing of the test's outcome depends on it
        }
    }
}
