package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The web page in a real browser, through the nginx of deploy/ in front of three instance processes: scripts in
 * {@code src/test/browser/} drive Debian's Chromium (headless, through playwright-core) in two browser contexts, two
 * people who chat. Output and screenshots land in {@code target/browser/}. {@code bin/chorus test} installs Chromium
 * and the scripts' npm packages. Each script registers people of its own, so the two tests share the cluster.
 */
@Tag("process")
class BrowserChatTest {

    static final Path SCRIPTS = Path.of("src", "test", "browser");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path OUT = Path.of("target", "browser").toAbsolutePath();

    static BalancedCluster cluster;

    @BeforeAll
    static void start() throws IOException {
        requireInstalled();
        Files.createDirectories(OUT);
        cluster = BalancedCluster.start(Balancer.Kind.NGINX, "web", 3, Map.of());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Register, make a group, reload (the refresh cookie keeps the session), see each other online, chat. */
    @Test
    void twoPeopleChatThroughNginxInARealBrowser() throws Exception {
        String origin = cluster.api().base();
        String output;
        try (InstanceControl control = new InstanceControl(cluster)) {
            output = runScript("chat", origin, control);
        }
        assertThat(output).contains("ok - both registered and logged in",
                "ok - Bob reloaded the page, is still logged in (refresh cookie)", "ok - each sees both of them online",
                "ok - messages went both ways", "ok - a message sent while the socket was connecting waited for it",
                "ok - no uncaught error in either page");
        assertThat(OUT.resolve("ada.png")).isNotEmptyFile();
        assertThat(OUT.resolve("bob.png")).isNotEmptyFile();
        // Ada and Bob, each once more after a reload: every socket came through the balancer, with its origin.
        assertThat(socketsOpenedFrom(origin)).isGreaterThanOrEqualTo(4);
    }

    /**
     * The instance holding Ada's socket is restarted (SIGTERM, close 1012), then the next one is SIGKILLed, while both
     * keep typing: both pages end with the same messages in the same order, matching history; when Ada leaves, Bob sees
     * her go offline.
     */
    @Test
    void bothPagesShowTheSameGaplessConversationThroughARestartAndASigkillOfTheSocketsInstance() throws Exception {
        try (InstanceControl control = new InstanceControl(cluster)) { // closing it waits until the cluster is whole again
            String output = runScript("restarts", cluster.api().base(), control);
            assertThat(output).contains("was restarted while both typed", "was SIGKILLed while both typed",
                    "ok - both pages show the same 50 messages in the same order, seqs 1..50, matching history",
                    "ok - no uncaught error in either page", "ok - Bob sees Ada go offline");
            assertThat(OUT.resolve("restarts-ada.png")).isNotEmptyFile();
            assertThat(OUT.resolve("restarts-bob.png")).isNotEmptyFile();
        }
    }

    /** Runs {@code <name>.mjs}, answering its "control: restart|kill <instanceId>" lines; returns its output. */
    private static String runScript(String name, String origin, InstanceControl control) throws Exception {
        Path log = OUT.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder("node", name + ".mjs").directory(SCRIPTS.toFile()).redirectErrorStream(true);
        builder.environment().putAll(Map.of("CHORUS_URL", origin, "SCREENSHOTS", OUT.toString(), "CHROMIUM", CHROMIUM.toString()));
        Process script = builder.start();
        CompletableFuture<Void> conversation = CompletableFuture.runAsync(() -> converse(script, log, control));
        try {
            if (!script.waitFor(240, TimeUnit.SECONDS)) {
                throw new AssertionError(name + ".mjs did not finish within 240 s: " + Files.readString(log));
            }
            conversation.get(10, TimeUnit.SECONDS);
        } finally {
            script.toHandle().descendants().forEach(ProcessHandle::destroyForcibly); // a Chromium left behind
            script.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(script.exitValue()).as(output).isZero();
        return output;
    }

    private static void converse(Process script, Path log, InstanceControl control) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter in = new PrintWriter(script.getOutputStream(), true, StandardCharsets.UTF_8)) {
            Files.writeString(log, "");
            for (String line; (line = out.readLine()) != null; ) {
                Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
                if (line.startsWith("control: ")) {
                    String[] command = line.substring("control: ".length()).split(" ");
                    in.println(control.apply(command[0], command[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long socketsOpenedFrom(String origin) {
        long count = 0;
        for (ChorusProcess instance : cluster.processes()) {
            try (var lines = Files.lines(instance.log())) {
                count += lines.filter(l -> l.startsWith("{")).map(Api.JSON::readTree)
                        .filter(l -> l.path("message").asString().equals("websocket opened") && l.path("origin").asString().equals(origin))
                        .count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return count;
    }

    private static void requireInstalled() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core"))) {
            throw new AssertionError("Chromium or playwright-core is missing: run bin/chorus test (it installs both), or "
                    + "apt-get install chromium && (cd src/test/browser && npm ci)");
        }
    }
}
