package dev.chorus.opskit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The checks of {@code bin/chorus backup} and {@code restore}, on a PostgreSQL custom-format dump:
 * <ul>
 * <li>size: at least {@code --min-bytes} (default 2 KiB: a dump of Chorus's empty schema is larger);</li>
 * <li>contents: {@code pg_restore --list} reads it as a CUSTOM archive holding the definition and the rows of every
 * table Chorus needs ({@link DumpListing#CHORUS_TABLES}) and, when sealing, of every table of the source database;</li>
 * <li>integrity: {@code pg_restore --file=/dev/null} reads every data block (the listing reads only the table of
 * contents, so a truncated file would pass it); and the SHA-256 of the file matches its {@code .sha256} file.</li>
 * </ul>
 * <pre>
 * BackupCheck seal PARTIAL FINAL --database NAME [--min-bytes N]   checks a fresh dump, writes FINAL.sha256, renames PARTIAL to FINAL
 * BackupCheck verify FILE [--min-bytes N]                          checks a dump before a restore
 * </pre>
 * Exit 0 when the dump passed, 1 when it did not (each problem on stderr), 2 on bad usage.
 */
public final class BackupCheck {

    static final long DEFAULT_MIN_BYTES = 2048;

    public static void main(String[] args) {
        try {
            ToolOptions options = ToolOptions.parse(Set.of("database", "min-bytes"), args);
            List<String> words = options.positional();
            long minBytes = options.count("min-bytes", DEFAULT_MIN_BYTES);
            List<String> problems;
            if (words.size() == 3 && words.get(0).equals("seal")) {
                problems = seal(Path.of(words.get(1)), Path.of(words.get(2)), options.required("database"), minBytes);
            } else if (words.size() == 2 && words.get(0).equals("verify")) {
                problems = verify(Path.of(words.get(1)), minBytes);
            } else {
                throw new IllegalArgumentException("usage: BackupCheck seal PARTIAL FINAL --database NAME | verify FILE [--min-bytes N]");
            }
            problems.forEach(p -> System.err.println("backup check: " + p));
            System.exit(problems.isEmpty() ? 0 : 1);
        } catch (IllegalArgumentException e) {
            System.err.println("backup check: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Checks a fresh dump against its source database; if it passes, writes its checksum and moves it into place. */
    static List<String> seal(Path partial, Path target, String database, long minBytes) {
        Set<String> required = new LinkedHashSet<>(DumpListing.CHORUS_TABLES);
        try {
            required.addAll(tablesOf(database));
        } catch (SQLException e) {
            return List.of("cannot list the tables of database " + database + ": " + e.getMessage());
        }
        List<String> problems = contents(partial, minBytes, required);
        if (!problems.isEmpty()) {
            return problems;
        }
        try {
            Path sum = Path.of(target + ".sha256");
            Path sumPartial = Path.of(sum + ".partial");
            Files.writeString(sumPartial, sha256(partial) + "  " + target.getFileName() + "\n");
            move(sumPartial, sum);
            move(partial, target);
            System.out.println(target + ": " + Files.size(target) + " bytes, " + required.size() + " tables, sha256 in " + sum);
            return List.of();
        } catch (IOException e) {
            return List.of("cannot write " + target + " or its checksum: " + e.getMessage());
        }
    }

    /** Checks a dump before it is restored: its checksum file, its size, its contents and every block. */
    static List<String> verify(Path file, long minBytes) {
        if (!Files.isRegularFile(file)) {
            return List.of(file + " is not a file");
        }
        Path sum = Path.of(file + ".sha256");
        try {
            if (!Files.isRegularFile(sum)) {
                return List.of("no checksum file " + sum + " (bin/chorus backup writes one next to each dump; copy both)");
            }
            String expected = Files.readString(sum).strip().split("\\s+")[0];
            String actual = sha256(file);
            if (!actual.equalsIgnoreCase(expected)) {
                return List.of("the SHA-256 of " + file + " is " + actual + ", but " + sum + " says " + expected
                        + ": the file changed since the backup (damaged or replaced)");
            }
        } catch (IOException e) {
            return List.of("cannot read " + file + " or " + sum + ": " + e.getMessage());
        }
        return contents(file, minBytes, DumpListing.CHORUS_TABLES);
    }

    private static List<String> contents(Path file, long minBytes, Iterable<String> required) {
        List<String> problems = new ArrayList<>();
        try {
            long size = Files.size(file);
            if (size < minBytes) {
                return List.of(file + " holds " + size + " bytes, fewer than the " + minBytes + " a Chorus dump has at least");
            }
        } catch (IOException e) {
            return List.of("cannot read " + file + ": " + e.getMessage());
        }
        Run listing = pgRestore("--list", file.toString());
        if (listing.exit() != 0) {
            return List.of("pg_restore --list cannot read " + file + " as a dump: " + listing.errors());
        }
        List<String> tables = new ArrayList<>();
        required.forEach(tables::add);
        problems.addAll(DumpListing.parse(listing.output()).problems(tables));
        Run fullRead = pgRestore("--file=/dev/null", file.toString());
        if (fullRead.exit() != 0) {
            problems.add("reading every block of " + file + " failed (truncated or damaged): " + fullRead.errors());
        }
        return problems;
    }

    private static Set<String> tablesOf(String database) throws SQLException {
        Set<String> tables = new LinkedHashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    record Run(int exit, String output, String errors) {
    }

    private static Run pgRestore(String... args) {
        List<String> command = new ArrayList<>(List.of("pg_restore"));
        command.addAll(List.of(args));
        try {
            Path errors = Files.createTempFile("pg_restore-", ".err");
            try {
                Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(10, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    return new Run(-1, output, "timed out after 10 minutes");
                }
                String err = Files.readString(errors).strip();
                return new Run(process.exitValue(), output, err.length() > 400 ? err.substring(0, 400) + "..." : err);
            } finally {
                Files.deleteIfExists(errors);
            }
        } catch (IOException e) {
            return new Run(-1, "", "cannot run pg_restore: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(-1, "", "interrupted");
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
