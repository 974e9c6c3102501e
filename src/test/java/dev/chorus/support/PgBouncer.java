package dev.chorus.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A real PgBouncer process in transaction pooling in front of the local PostgreSQL, on a free port. */
public final class PgBouncer implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/pgbouncer");

    private final Process process;
    private final Path dir;
    private final int port;

    private PgBouncer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static PgBouncer start(int poolSize) throws IOException, InterruptedException {
        return onAFreePort(w -> startIn(w, poolSize));
    }

    private static PgBouncer startIn(Workspace w, int poolSize) throws IOException, InterruptedException {
        int port = w.port();
        Path dir = w.dir();
        Path ini = w.ini();
        Files.writeString(ini, """
                [databases]
                * = host=127.0.0.1 port=5432 user=postgres
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = %d
                unix_socket_dir =
                auth_type = any
                pool_mode = transaction
                default_pool_size = %d
                max_client_conn = 500
                ignore_startup_parameters = extra_float_digits,options
                logfile = %s
                """.formatted(port, poolSize, dir.resolve("pgbouncer.log")));
        return launch(ini, dir, port);
    }

    private static PgBouncer launch(Path ini, Path dir, int port) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("runuser", "-u", "postgres", "--")); // PgBouncer refuses to run as root
        }
        command.addAll(List.of(BINARY.toString(), ini.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        PgBouncer bouncer = new PgBouncer(process, dir, port);
        try {
            bouncer.awaitListening(Duration.ofSeconds(20));
        } catch (RuntimeException | IOException notListening) {
            bouncer.close();
            throw notListening;
        }
        return bouncer;
    }

    /** One way of starting PgBouncer in a fresh workspace. */
    private interface Launch {
        PgBouncer in(Workspace workspace) throws IOException, InterruptedException;
    }

    /** Starts PgBouncer on a free port ({@link FreePorts}); if another process took the port first, on another one. */
    private static PgBouncer onAFreePort(Launch launch) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return launch.in(Workspace.create());
            } catch (PortInUse e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * PgBouncer on the production config of deploy/pgbouncer/pgbouncer.ini, rendered by deploy/render for this machine
     * (loopback, a free port, the local PostgreSQL as user postgres) with one database and a server pool of
     * {@code poolSize}.
     */
    public static PgBouncer startDeployed(String database, int poolSize) throws IOException, InterruptedException {
        return onAFreePort(w -> startDeployedIn(w, database, poolSize));
    }

    private static PgBouncer startDeployedIn(Workspace w, String database, int poolSize) throws IOException, InterruptedException {
        int port = w.port();
        Path dir = w.dir();
        Path ini = w.ini();
        Process render = new ProcessBuilder("deploy/render", "pgbouncer", "--listen", "127.0.0.1:" + port, "--run-dir", dir.toString(),
                "--servers", "127.0.0.1:5432", "--database", database, "--pool-size", Integer.toString(poolSize), "--auth-user", "postgres")
                .redirectOutput(ini.toFile()).redirectError(dir.resolve("render.log").toFile()).start();
        if (!render.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || render.exitValue() != 0) {
            throw new IllegalStateException("deploy/render pgbouncer failed: " + Files.readString(dir.resolve("render.log")));
        }
        Files.setPosixFilePermissions(ini, PosixFilePermissions.fromString("rw-r--r--"));
        return launch(ini, dir, port);
    }

    /** A free port and a directory PgBouncer's user can write to, for one run. */
    private record Workspace(int port, Path dir, Path ini) {
        static Workspace create() throws IOException {
            if (!Files.isExecutable(BINARY)) {
                throw new IllegalStateException("PgBouncer is not installed at " + BINARY + ": run bin/chorus test, which installs it");
            }
            int port = FreePorts.pick();
            Path dir = Files.createTempDirectory("chorus-pgbouncer");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return new Workspace(port, dir, dir.resolve("pgbouncer.ini"));
        }
    }

    public int port() {
        return port;
    }

    public String databaseUrl(String database) {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
    }

    private void awaitListening(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                String output = output();
                if (FreePorts.inUse(output)) {
                    throw new PortInUse("PgBouncer could not bind port " + port + ": " + output);
                }
                throw new IllegalStateException("PgBouncer exited: " + output);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                String output = output();
                if (FreePorts.inUse(output)) { // whatever accepted is someone else
                    throw new PortInUse("PgBouncer could not bind port " + port + ": " + output);
                }
                return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
            }
            process.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("PgBouncer did not listen on " + port + " within " + timeout);
    }

    private String output() throws IOException {
        String output = Files.readString(dir.resolve("stdout.log"));
        Path log = dir.resolve("pgbouncer.log");
        return Files.isReadable(log) ? output + Files.readString(log) : output;
    }

    /** PgBouncer could not bind its port: someone else took it between the pick and the bind. */
    private static final class PortInUse extends IllegalStateException {
        PortInUse(String message) {
            super(message);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
