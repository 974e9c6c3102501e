package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.chorus.support.Balancer;
import dev.chorus.support.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The JavaScript client of {@code clients/js} under Node's own test runner, against a real cluster: nginx in front of
 * three instance processes. Access tokens live 6 s, so every Node test also lives through refreshes over its socket.
 * The tests restart and kill instances through a small HTTP endpoint here ({@code CHORUS_CONTROL}).
 * The client has no dependencies: nothing is installed. Output in {@code target/client-js/node-test.log}.
 */
@Tag("process")
class JsClientTest {

    static final Path CLIENT = Path.of("clients", "js");

    @Test
    void theNodeTestsOfTheJavaScriptClientPassAgainstARealCluster() throws Exception {
        requireNodeWithWebSocket();
        Path out = Files.createDirectories(Path.of("target", "client-js").toAbsolutePath());
        Path log = out.resolve("node-test.log");
        Map<String, String> env = Map.of("ACCESS_TOKEN_TTL", "PT6S", "RATE_LIMIT_LOGIN", "0", "RATE_LIMIT_LOGIN_PER_IP", "0",
                "PASSWORD_HASH_WAIT", "PT10S");
        try (BalancedCluster cluster = BalancedCluster.start(Balancer.Kind.NGINX, "jsc", 3, env);
                InstanceControl control = new InstanceControl(cluster)) {
            HttpServer controlServer = controlServer(control);
            List<String> tests;
            try (var files = Files.list(CLIENT.resolve("test"))) {
                tests = files.map(f -> "test/" + f.getFileName()).filter(f -> f.endsWith(".test.js")).sorted().toList();
            }
            List<String> command = new ArrayList<>(List.of("node", "--experimental-websocket", "--test", "--test-reporter=spec"));
            command.addAll(tests);
            ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("CHORUS_URL", cluster.api().base());
            builder.environment().put("CHORUS_CONTROL", "http://127.0.0.1:" + controlServer.getAddress().getPort());
            Process node = builder.start();
            try {
                if (!node.waitFor(240, TimeUnit.SECONDS)) {
                    throw new AssertionError("node --test did not finish within 240 s: " + Files.readString(log));
                }
            } finally {
                node.toHandle().descendants().forEach(ProcessHandle::destroyForcibly); // the runner's child per test file
                node.destroyForcibly();
                controlServer.stop(0);
            }
            String output = Files.readString(log);
            assertThat(node.exitValue()).as(output).isZero();
            assertThat(output).as(output).contains("ℹ fail 0", "ℹ skipped 0").containsPattern("ℹ pass [1-9]");
        }
    }

    /** POST /restart/{instanceId} or /kill/{instanceId}: answered "done" once the instance is down. */
    private static HttpServer controlServer(InstanceControl control) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.pick()), 0);
        server.createContext("/", exchange -> {
            String[] path = exchange.getRequestURI().getPath().split("/");
            String answer = path.length == 3 ? control.apply(path[1], path[2]) : "expected /restart|kill/{instanceId}";
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.equals("done") ? 200 : 500, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }

    /** Node has a WebSocket of its own from 22 on, and from 20.10 behind --experimental-websocket (Debian 12's is 18). */
    private static void requireNodeWithWebSocket() throws Exception {
        Process version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
        String text = new String(version.getInputStream().readAllBytes()).trim();
        version.waitFor(10, TimeUnit.SECONDS);
        String[] parts = text.replaceFirst("^v", "").split("\\.");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        assertThat(major > 20 || major == 20 && minor >= 10).as("node %s has no WebSocket: the client's tests need Node 20.10 or newer", text).isTrue();
    }
}
