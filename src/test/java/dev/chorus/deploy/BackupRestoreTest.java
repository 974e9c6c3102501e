package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.deploy.Commands.Result;
import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import dev.chorus.support.TestCluster.Instance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code bin/chorus backup} and {@code restore} against a real PostgreSQL: a backup survives the loss of the whole
 * database with every message, user and counter in it; a file that is not a whole, unchanged Chorus backup is
 * refused before anything is touched; a restore never destroys the database it replaces.
 */
@Tag("process")
class BackupRestoreTest {

    private static final Duration COMMAND = Duration.ofMinutes(3);

    @Test
    void aBackupRestoredAfterTheDatabaseWasDroppedHoldsEveryMessageAndLoginAndRefreshStillWork() throws IOException {
        try (TestCluster cluster = new TestCluster(); LocalChorus chorus = LocalChorus.create(cluster, 0)) {
            Instance first = cluster.start("backup-1");
            Session ada = first.api().newUser("ada");
            Session bob = first.api().newUser("bob");
            List<String> groups = new ArrayList<>();
            for (int g = 0; g < 3; g++) {
                String group = first.api().createGroup(ada.accessToken(), "group " + g);
                assertThat(first.api().post("/api/groups/" + group + "/members", ada.accessToken(), Map.of("email", bob.email())).status())
                        .isEqualTo(201);
                for (int i = 0; i < 25; i++) {
                    Session sender = i % 2 == 0 ? ada : bob;
                    assertThat(post(first.api(), sender, group, "message " + i + " in " + g + ": ünïcödé ✓").status()).isEqualTo(201);
                }
                groups.add(group);
            }
            Map<String, List<String>> before = histories(first.api(), ada, groups);

            Path file = chorus.dir().resolve("chorus.dump");
            Result backup = chorus.succeed(COMMAND, "backup", "--out", file.toString());
            assertThat(backup.output()).contains(file + ": ", " bytes, ", "sha256 in " + file + ".sha256");
            assertThat(Files.readString(Path.of(file + ".sha256"))).matches("[0-9a-f]{64}  chorus\\.dump\n");

            first.stop();
            TestCluster.dropDatabase(cluster.database());
            chorus.succeed(COMMAND, "restore", file.toString());

            Instance again = cluster.start("backup-2");
            assertThat(histories(again.api(), ada, groups)).as("every group's history after the restore").isEqualTo(before);
            assertThat(again.api().login(ada.email(), "correct horse battery").accessToken()).isNotBlank();
            Response refreshed = again.api().post("/api/auth/refresh", null, Map.of("refreshToken", bob.refreshToken()));
            assertThat(refreshed.status()).as("refresh with a token issued before the backup: %s", refreshed).isEqualTo(200);
            Response next = post(again.api(), ada, groups.getFirst(), "after the restore");
            assertThat(next.json().path("messages").get(0).path("seq").asLong()).as("the group's next seq").isEqualTo(26);
        }
    }

    @Test
    void restoreRefusesDamagedForeignOrUncheckedFilesAndLeavesTheDatabaseAsItWasAndNeverDropsTheOneItReplaces()
            throws IOException {
        try (TestCluster cluster = new TestCluster(); LocalChorus chorus = LocalChorus.create(cluster, 0)) {
            Instance instance = cluster.start("restore-1");
            Session ada = instance.api().newUser("ada");
            String group = instance.api().createGroup(ada.accessToken(), "kept");
            for (int i = 0; i < 10; i++) {
                post(instance.api(), ada, group, "kept " + i);
            }
            Path good = chorus.dir().resolve("good.dump");
            chorus.succeed(COMMAND, "backup", "--out", good.toString());
            post(instance.api(), ada, group, "written after the backup");
            instance.stop();
            long stored = 11;
            byte[] dump = Files.readAllBytes(good);
            String sum = Files.readString(Path.of(good + ".sha256"));

            refused(chorus, cluster, stored, "usage: bin/chorus restore FILE", "restore");
            refused(chorus, cluster, stored, "no backup file", "restore", chorus.dir().resolve("missing.dump").toString());
            refused(chorus, cluster, stored, "cannot read", "restore", copy(chorus, "text.dump", "not a dump at all\n".repeat(400).getBytes(), true).toString());
            refused(chorus, cluster, stored, "reading every block", "restore",
                    copy(chorus, "truncated.dump", java.util.Arrays.copyOf(dump, dump.length - 100), true).toString());
            byte[] flipped = dump.clone();
            flipped[dump.length / 2] ^= 0x55;
            refused(chorus, cluster, stored, "the file changed since the backup", "restore", copy(chorus, "flipped.dump", flipped, false, sum).toString());
            refused(chorus, cluster, stored, "no checksum file", "restore", copy(chorus, "unsummed.dump", dump, false).toString());
            refused(chorus, cluster, stored, "holds 10 bytes", "restore", copy(chorus, "tiny.dump", "0123456789".getBytes(), true).toString());
            withRunningInstanceRecorded(chorus, () ->
                    refused(chorus, cluster, stored, "instances are running", "restore", good.toString()));
            chorus.with("CHORUS_DB", "chorus; DROP DATABASE postgres");
            refused(chorus, cluster, stored, "CHORUS_DB must be a plain database name", "restore", good.toString());
            refused(chorus, cluster, stored, "CHORUS_DB must be a plain database name", "backup", "--out", chorus.dir().resolve("x.dump").toString());
            chorus.with("CHORUS_DB", cluster.database());
            refused(chorus, cluster, stored, "never overwrites", "backup", "--out", good.toString());
            refused(chorus, cluster, stored, "no directory", "backup", "--out", chorus.dir().resolve("nowhere/x.dump").toString());
            refused(chorus, cluster, stored, "unknown option for backup", "backup", "--compress");

            Result restored = chorus.succeed(COMMAND, "restore", good.toString());
            String kept = restored.output().replaceAll("(?s).*kept as (" + cluster.database() + "_before_restore_\\d+).*", "$1");
            try {
                assertThat(kept).as("the name the replaced database is kept under, in: %s", restored.output())
                        .startsWith(cluster.database() + "_before_restore_");
                assertThat(cluster.queryLong("SELECT count(*) FROM messages")).as("messages after the restore").isEqualTo(10);
                assertThat(countIn(kept)).as("messages in the database the restore replaced").isEqualTo(stored);
            } finally {
                TestCluster.dropDatabase(kept.matches("[a-z0-9_]+") ? kept : "chorus_nothing_to_drop");
            }
        }
    }

    private static void refused(LocalChorus chorus, TestCluster cluster, long stored, String reason, String... args) {
        Result result = chorus.chorus(COMMAND, args);
        assertThat(result.exit()).as("exit of bin/chorus %s\n%s", String.join(" ", args), result.output()).isNotZero();
        assertThat(result.output()).as("bin/chorus %s", String.join(" ", args)).contains(reason);
        assertThat(cluster.queryLong("SELECT count(*) FROM messages")).as("messages after a refused command").isEqualTo(stored);
        assertThat(countDatabases(cluster.database() + "_")).as("databases left beside " + cluster.database()).isZero();
    }

    /** Writes bytes into the state directory, with a matching .sha256 file when {@code summed}. */
    private static Path copy(LocalChorus chorus, String name, byte[] bytes, boolean summed) throws IOException {
        Path file = Files.write(chorus.dir().resolve(name), bytes);
        if (summed) {
            Files.writeString(Path.of(file + ".sha256"), TestBuilds.sha256(file) + "  " + name + "\n");
        }
        return file;
    }

    /** As above, with a given .sha256 file (one that no longer matches). */
    private static Path copy(LocalChorus chorus, String name, byte[] bytes, boolean summed, String sum) throws IOException {
        Path file = copy(chorus, name, bytes, summed);
        Files.writeString(Path.of(file + ".sha256"), sum);
        return file;
    }

    /** While {@code check} runs, the state directory records a live instance (this JVM's pid). */
    private static void withRunningInstanceRecorded(LocalChorus chorus, Runnable check) throws IOException {
        Path run = Files.createDirectories(chorus.dir().resolve("run"));
        Files.writeString(run.resolve("chorus-1.pid"), ProcessHandle.current().pid() + "\n");
        Files.writeString(run.resolve("chorus-1.port"), "1\n");
        try {
            check.run();
        } finally {
            Files.delete(run.resolve("chorus-1.pid"));
            Files.delete(run.resolve("chorus-1.port"));
        }
    }

    private static Response post(Api api, Session sender, String group, String content) {
        return api.post("/api/messages", sender.accessToken(), Map.of("content", content, "targetType", "group",
                "targetIds", List.of(group), "clientMessageId", java.util.UUID.randomUUID().toString()));
    }

    /** Each group's history as "seq id sender content" lines. */
    private static Map<String, List<String>> histories(Api api, Session reader, List<String> groups) {
        Map<String, List<String>> histories = new LinkedHashMap<>();
        for (String group : groups) {
            Response page = api.get("/api/groups/" + group + "/messages?afterSeq=0&limit=200", reader.accessToken());
            assertThat(page.status()).as("history of %s: %s", group, page).isEqualTo(200);
            List<String> lines = new ArrayList<>();
            for (JsonNode m : page.json().path("messages")) {
                lines.add(m.path("seq").asLong() + " " + m.path("id").asString() + " " + m.path("senderId").asString() + " "
                        + m.path("content").asString());
            }
            histories.put(group, lines);
        }
        return histories;
    }

    private static long countIn(String database) {
        try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "");
                var rs = c.createStatement().executeQuery("SELECT count(*) FROM messages")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long countDatabases(String prefix) {
        try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                var s = c.prepareStatement("SELECT count(*) FROM pg_database WHERE datname LIKE ?")) {
            s.setString(1, prefix.replace("_", "\\_") + "%");
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
