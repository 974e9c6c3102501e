package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The web page in a real browser, through the nginx of deploy/ in front of three instance processes:
 * {@code src/test/browser/chat.mjs} drives Debian's Chromium (headless, through playwright-core) in two browser
 * contexts, two people who register, make a group, reload, see each other online and chat, one of them while her
 * socket is still connecting. Its output and screenshots land in {@code target/browser/}. {@code bin/chorus test}
 * installs Chromium and the script's npm packages.
 */
class BrowserChatTest {

    static final Path SCRIPTS = Path.of("src", "test", "browser");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void twoPeopleChatThroughNginxInARealBrowser() throws Exception {
        requireInstalled();
        Path out = Files.createDirectories(Path.of("target", "browser").toAbsolutePath());
        try (BalancedCluster cluster = BalancedCluster.start(Balancer.Kind.NGINX, "web", 3, Map.of())) {
            String origin = cluster.api().base();
            ProcessBuilder builder = new ProcessBuilder("node", "chat.mjs").directory(SCRIPTS.toFile())
                    .redirectErrorStream(true).redirectOutput(out.resolve("chat.log").toFile());
            builder.environment().putAll(Map.of("CHORUS_URL", origin, "SCREENSHOTS", out.toString(), "CHROMIUM", CHROMIUM.toString()));
            Process script = builder.start();
            try {
                if (!script.waitFor(180, TimeUnit.SECONDS)) {
                    throw new AssertionError("chat.mjs did not finish within 180 s: " + Files.readString(out.resolve("chat.log")));
                }
            } finally {
                script.toHandle().descendants().forEach(ProcessHandle::destroyForcibly); // a Chromium left behind
                script.destroyForcibly();
            }
            String output = Files.readString(out.resolve("chat.log"));
            assertThat(script.exitValue()).as(output).isZero();
            assertThat(output).contains("ok - both registered and logged in",
                    "ok - Bob reloaded the page, is still logged in (refresh cookie)", "ok - each sees both of them online",
                    "ok - messages went both ways", "ok - a message sent while the socket was connecting waited for it",
                    "ok - no uncaught error in either page");
            assertThat(out.resolve("ada.png")).isNotEmptyFile();
            assertThat(out.resolve("bob.png")).isNotEmptyFile();
            // Ada and Bob, each once more after a reload: every socket came through the balancer, with its origin.
            assertThat(socketsOpenedFrom(cluster, origin)).isGreaterThanOrEqualTo(4);
        }
    }

    private static long socketsOpenedFrom(BalancedCluster cluster, String origin) {
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
