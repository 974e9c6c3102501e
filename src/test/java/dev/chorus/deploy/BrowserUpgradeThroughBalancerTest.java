package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.RawUpgrade;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * A browser's WebSocket upgrade behind the real nginx and HAProxy of deploy/: it carries an {@code Origin}, which the
 * Node and JDK test clients never send. Two instance processes with TRUSTED_PROXIES = 127.0.0.1/32 sit behind both
 * balancers; the "browser" connects from 127.0.0.2, so the client address the instance reports is the browser's
 * only if the balancer passed X-Forwarded-For on, and a request from 127.0.0.2 straight to an instance is from an
 * untrusted client.
 */
class BrowserUpgradeThroughBalancerTest {

    static final String ALLOWED_ORIGIN = "http://app.chorus.test";
    static final InetAddress BROWSER = address("127.0.0.2");
    static final InetAddress PROXY = address("127.0.0.1");

    static TestCluster cluster;
    static final List<ChorusProcess> instances = new ArrayList<>();
    static final Map<Balancer.Kind, Balancer> balancers = new LinkedHashMap<>();
    static Session user;

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("TRUSTED_PROXIES", "127.0.0.1/32").with("CORS_ALLOWED_ORIGINS", ALLOWED_ORIGIN);
        List<CompletableFuture<ChorusProcess>> starting = List.of(
                CompletableFuture.supplyAsync(() -> cluster.startProcess("up-1")),
                CompletableFuture.supplyAsync(() -> cluster.startProcess("up-2")));
        starting.forEach(f -> instances.add(f.join()));
        Map<String, Integer> ports = new LinkedHashMap<>();
        instances.forEach(p -> ports.put(p.id(), p.port()));
        for (Balancer.Kind kind : Balancer.Kind.values()) {
            balancers.put(kind, Balancer.start(kind, ports));
        }
        user = balancers.get(Balancer.Kind.NGINX).api().newUser("browser");
    }

    @AfterAll
    static void stop() {
        balancers.values().forEach(Balancer::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void anUpgradeFromThePagesOwnOriginOpensASocketThatCarriesFrames(Balancer.Kind kind) throws IOException {
        int port = balancers.get(kind).port();
        try (RawUpgrade ws = upgrade(kind, Map.of("Origin", "http://127.0.0.1:" + port))) {
            assertThat(ws.status()).as("upgrade with the page's own origin through %s", kind).isEqualTo(101);
            ws.sendText("{\"type\":\"ping\"}");
            assertThat(Api.JSON.readTree(ws.receiveText()).path("type").asString()).isEqualTo("pong");
        }
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void theInstanceSeesTheBrowsersAddressAndTheRequestIdTheBalancerGaveTheUpgrade(Balancer.Kind kind) {
        int port = balancers.get(kind).port();
        // No X-Request-ID of its own (a browser sends none): the balancer makes one, passes it on and returns it.
        try (RawUpgrade ws = upgrade(kind, Map.of("Origin", "http://127.0.0.1:" + port))) {
            assertThat(ws.status()).isEqualTo(101);
            String requestId = ws.header("X-Request-ID");
            assertThat(requestId).as("the balancer's request id on the 101").isNotBlank();
            JsonNode opened = awaitLogLine("a 'websocket opened' line with request id " + requestId,
                    line -> line.path("message").asString().equals("websocket opened")
                            && line.path("requestId").asString().equals(requestId));
            assertThat(opened.path("clientIp").asString()).as("the client the instance saw through %s", kind).isEqualTo("127.0.0.2");
            assertThat(opened.path("userId").asString()).isEqualTo(user.userId());
            assertThat(opened.path("origin").asString()).isEqualTo("http://127.0.0.1:" + port);
        }
    }

    @Test
    void nginxLogsTheUpgradeUnderItsRequestIdWithoutTheAccessToken() throws IOException {
        Balancer nginx = balancers.get(Balancer.Kind.NGINX);
        String requestId;
        try (RawUpgrade ws = upgrade(Balancer.Kind.NGINX, Map.of("Origin", "http://127.0.0.1:" + nginx.port()))) {
            assertThat(ws.status()).isEqualTo(101);
            requestId = ws.header("X-Request-ID");
        }
        // nginx writes a socket's line once it closes, and flushes its buffer every second.
        Path log = nginx.dir().resolve("nginx-access.log");
        Await.until(Duration.ofSeconds(10), "the upgrade " + requestId + " in " + log,
                () -> Files.exists(log) && read(log).contains(requestId));
        String line = read(log).lines().filter(l -> l.contains(requestId)).findFirst().orElseThrow();
        assertThat(line).contains("\"uri\":\"/ws\"", "\"status\":101", "\"client\":\"127.0.0.2\"");
        assertThat(read(log)).as("nginx's access log").doesNotContain(user.accessToken());
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void aForeignOriginIsRefusedWith403(Balancer.Kind kind) {
        int instancePort = instances.get(0).port();
        for (String origin : List.of("http://evil.example.test", "http://127.0.0.1:" + instancePort,
                "https://127.0.0.1:" + balancers.get(kind).port())) {
            try (RawUpgrade ws = upgrade(kind, Map.of("Origin", origin))) {
                assertThat(ws.status()).as("upgrade from %s through %s", origin, kind).isEqualTo(403);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void anOriginListedInCorsAllowedOriginsMayConnect(Balancer.Kind kind) {
        try (RawUpgrade ws = upgrade(kind, Map.of("Origin", ALLOWED_ORIGIN))) {
            assertThat(ws.status()).isEqualTo(101);
        }
    }

    @Test
    void onlyATrustedProxyMayTellTheInstanceThatTheBrowserUsedHttps() {
        ChorusProcess instance = instances.get(0);
        String https = "https://127.0.0.1:" + instance.port();
        Map<String, String> headers = Map.of("Origin", https, "X-Forwarded-Proto", "https");
        try (RawUpgrade fromProxy = RawUpgrade.send(PROXY, instance.port(), wsPath(), headers)) {
            assertThat(fromProxy.status()).as("X-Forwarded-Proto from a trusted proxy").isEqualTo(101);
        }
        try (RawUpgrade fromClient = RawUpgrade.send(BROWSER, instance.port(), wsPath(), headers)) {
            assertThat(fromClient.status()).as("X-Forwarded-Proto from an untrusted client").isEqualTo(403);
        }
    }

    @Test
    void theHttpApiAnswersTheBrowsersOwnOriginAndRefusesAForeignOneThroughTheBalancer() {
        Balancer nginx = balancers.get(Balancer.Kind.NGINX);
        Api lb = nginx.api();
        Api.Response same = lb.send(lb.request("/api/users/me", user.accessToken()).header("Origin", "http://127.0.0.1:" + nginx.port()).GET());
        assertThat(same.status()).isEqualTo(200);
        Api.Response foreign = lb.send(lb.request("/api/users/me", user.accessToken()).header("Origin", "http://evil.example.test").GET());
        assertThat(foreign.status()).isEqualTo(403);
    }

    private static RawUpgrade upgrade(Balancer.Kind kind, Map<String, String> headers) {
        return RawUpgrade.send(BROWSER, balancers.get(kind).port(), wsPath(), headers);
    }

    private static String wsPath() {
        return "/ws?access_token=" + user.accessToken();
    }

    /** The first JSON log line of any instance that matches, waiting for it to be written. */
    private static JsonNode awaitLogLine(String what, Predicate<JsonNode> match) {
        AtomicReference<JsonNode> found = new AtomicReference<>();
        Await.until(Duration.ofSeconds(10), what, () -> {
            for (ChorusProcess instance : instances) {
                try (var lines = Files.lines(instance.log())) {
                    lines.filter(l -> l.startsWith("{")).map(Api.JSON::readTree).filter(match).findFirst().ifPresent(found::set);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return found.get() != null;
        });
        return found.get();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
