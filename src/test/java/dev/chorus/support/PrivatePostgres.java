package dev.chorus.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own, from Debian's binaries, in a temporary directory on a free loopback port
 * (no Unix socket), for what must not touch the machine's shared server: TLS, streaming replication, stopping it.
 * The server runs as the {@code postgres} user when the tests run as root (initdb refuses root); its files are
 * owned by that user. {@link #replica()} makes a streaming replica of it with pg_basebackup.
 */
public final class PrivatePostgres implements AutoCloseable {

    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final Path dir;
    private final Path data;
    private final int port;

    private PrivatePostgres(Path dir, int port) {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
    }

    /**
     * A fresh server with these settings (postgresql.conf) and pg_hba.conf lines, started. Without hba lines: trust
     * for every database and for replication, from 127.0.0.1 only.
     */
    public static PrivatePostgres start(Map<String, String> settings, List<String> hba) {
        return start(settings, hba, Map.of());
    }

    /**
     * As above, with files (a certificate, its key) put into the data directory first, readable by the server
     * alone, so that settings can name them relative to it ({@code ssl_cert_file = 'server.crt'}).
     */
    public static PrivatePostgres start(Map<String, String> settings, List<String> hba, Map<String, Path> files) {
        PrivatePostgres pg = new PrivatePostgres(ownedDirectory(), FreePorts.pick());
        pg.run(bin("initdb"), "-D", pg.data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync");
        files.forEach(pg::own);
        pg.configure(settings);
        List<String> lines = hba.isEmpty()
                ? List.of("host all all 127.0.0.1/32 trust", "host replication all 127.0.0.1/32 trust") : hba;
        pg.write(pg.data.resolve("pg_hba.conf"), String.join("\n", lines) + "\n");
        pg.start();
        return pg;
    }

    /** A streaming replica of this server (pg_basebackup -R), started on a port of its own and ready for reads. */
    public PrivatePostgres replica() {
        PrivatePostgres replica = new PrivatePostgres(ownedDirectory(), FreePorts.pick());
        run(bin("pg_basebackup"), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-D",
                replica.data.toString(), "-R", "-X", "stream", "-c", "fast", "--no-sync");
        replica.configure(Map.of());
        replica.start();
        return replica;
    }

    public int port() {
        return port;
    }

    /** A DATABASE_URL for one of its databases, as the superuser. */
    public String url(String database) {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
    }

    /** Starts the server (again) and waits until it accepts connections. */
    public void start() {
        run(bin("pg_ctl"), "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "90", "start");
    }

    /** A fast shutdown: sessions are ended, the server exits cleanly. */
    public void stop() {
        run(bin("pg_ctl"), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop");
    }

    /** Runs statements on one of its databases (over TCP, no TLS unless the server insists and the URL says so). */
    public void sql(String database, String... statements) {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(String.join("; ", statements) + ": " + e.getMessage(), e);
        }
    }

    /** The first column of the first row, as text. */
    public String queryText(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?sslmode=prefer", "postgres", "");
    }

    /** Copies a file of the test's (a key, a certificate) into the data directory, the server's own, readable by it alone. */
    private void own(String name, Path source) {
        Path file = data.resolve(name);
        try {
            write(file, Files.readString(source, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        runAsIs(List.of("chmod", "600", file.toString()));
    }

    private void configure(Map<String, String> settings) {
        StringBuilder conf = new StringBuilder("\n# a test's private server\n");
        conf.append("listen_addresses = '127.0.0.1'\nport = ").append(port).append('\n');
        conf.append("unix_socket_directories = ''\nfsync = off\nfull_page_writes = off\nmax_connections = 60\n");
        conf.append("shared_buffers = 16MB\n");
        settings.forEach((k, v) -> conf.append(k).append(" = '").append(v).append("'\n"));
        try {
            Files.writeString(data.resolve("postgresql.conf"), conf.toString(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.ISO_8859_1);
            if (ROOT) {
                runAsIs(List.of("chown", "postgres:postgres", file.toString()));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path ownedDirectory() {
        try {
            Path dir = Files.createTempDirectory("chorus-pg-");
            if (ROOT) {
                runAsIs(List.of("chown", "postgres:postgres", dir.toString()));
            }
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Debian's binaries of the newest PostgreSQL installed. */
    private static String bin(String name) {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin").resolve(name)).filter(Files::isExecutable)
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getParent().getParent().getFileName().toString().replaceAll("\\D", "0"))))
                    .orElseThrow(() -> new IllegalStateException("no " + name + " under /usr/lib/postgresql/*/bin (apt-get install postgresql)"))
                    .toString();
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)", e);
        }
    }

    /** Runs a server command as the server's user. */
    private void run(String... command) {
        List<String> full = new ArrayList<>();
        if (ROOT) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        runAsIs(full);
    }

    private static void runAsIs(List<String> command) {
        Path out = null;
        try {
            out = Files.createTempFile("chorus-pg-command-", ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": still running after 120 s");
            }
            String output = Files.readString(out, StandardCharsets.ISO_8859_1);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", command) + ": interrupted", e);
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }

    /** Stops the server at once and deletes its files. */
    @Override
    public void close() {
        try {
            run(bin("pg_ctl"), "-D", data.toString(), "-m", "immediate", "-w", "-t", "30", "stop");
        } catch (IllegalStateException notRunning) {
            // already stopped: nothing to do but delete
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is no failure of the test
        }
    }
}
