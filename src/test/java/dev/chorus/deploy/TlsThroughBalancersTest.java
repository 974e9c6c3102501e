package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Await;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.LocalCertificate;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * TLS at the real nginx and HAProxy of deploy/ (rendered with --tls-listen, serving the certificate that
 * {@code bin/chorus tls} makes) in front of two instance processes: the API over HTTPS and HTTP/2, WebSockets over
 * TLS reaching subscribers on both instances, plain HTTP redirected with 301, the security headers once each, the
 * refresh cookie Secure because the instance believes the balancer's X-Forwarded-Proto (COOKIE_SECURE is false
 * here), and nothing older than TLS 1.2 accepted.
 */
@Tag("process")
class TlsThroughBalancersTest {

    @TempDir
    static Path tmp;

    static LocalCertificate certificate;
    static TestCluster cluster;
    static final List<ChorusProcess> instances = new ArrayList<>();
    static final Map<Balancer.Kind, Balancer> balancers = new EnumMap<>(Balancer.Kind.class);

    @BeforeAll
    static void start() {
        certificate = LocalCertificate.make(tmp.resolve("tls"));
        cluster = new TestCluster().with("RATE_LIMIT_PER_USER", "0").with("RATE_LIMIT_PER_IP", "0");
        instances.addAll(cluster.startProcesses("tls-1", "tls-2"));
        Map<String, Integer> ports = new LinkedHashMap<>();
        instances.forEach(i -> ports.put(i.id(), i.port()));
        for (Balancer.Kind kind : Balancer.Kind.values()) {
            balancers.put(kind, Balancer.startTls(kind, ports, certificate));
        }
    }

    @AfterAll
    static void stop() {
        balancers.values().forEach(Balancer::close);
        cluster.close();
    }

    static Api https(Balancer.Kind kind) {
        return balancers.get(kind).api();
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void theApiAnswersOverHttpsWithHttp2AndTheSecurityHeadersOnce(Balancer.Kind kind) {
        Api api = https(kind);
        Api.Session ada = api.newUser("ada");
        Response me = api.get("/api/users/me", ada.accessToken());
        assertThat(me.status()).as(me.toString()).isEqualTo(200);
        assertThat(me.text("email")).isEqualTo(ada.email());
        assertThat(me.raw().version()).as("%s negotiates HTTP/2 (ALPN)", kind).isEqualTo(HttpClient.Version.HTTP_2);
        assertSecurityHeaders(kind, me);
        assertThat(me.header("X-Instance-ID")).isIn("tls-1", "tls-2");

        // HAProxy answers 413 as soon as it sees Content-Length and does not read the body: a client still sending it
        // gets the connection reset (HTTP/1.1) or the stream cancelled (HTTP/2) before it reads the answer. With
        // "Expect: 100-continue" the client waits for that answer before sending anything.
        Response tooLarge = api.send(api.request("/api/messages", ada.accessToken()).version(HttpClient.Version.HTTP_1_1)
                .expectContinue(true).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"" + "x".repeat(70_000) + "\"}")));
        assertThat(tooLarge.status()).as("refused by the balancer itself").isEqualTo(413);
        assertSecurityHeaders(kind, tooLarge);
    }

    static void assertSecurityHeaders(Balancer.Kind kind, Response response) {
        var headers = response.raw().headers();
        assertThat(headers.allValues("Strict-Transport-Security")).as("%s HSTS on %s", kind, response.status())
                .containsExactly("max-age=63072000");
        assertThat(headers.allValues("X-Frame-Options")).as("%s", kind).containsExactly("DENY");
        assertThat(headers.allValues("X-Content-Type-Options")).as("%s", kind).containsExactly("nosniff");
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void theRefreshCookieIsSecureBehindTlsButNotOverPlainHttpToAnInstance(Balancer.Kind kind) {
        Api api = https(kind);
        Api.Session bob = api.newUser("bob");
        Response login = api.post("/api/auth/login", null, Map.of("email", bob.email(), "password", "correct horse battery"));
        String cookie = login.header("Set-Cookie");
        assertThat(cookie).as("%s: %s", kind, cookie).contains("refreshToken=", "Secure", "HttpOnly", "SameSite=Strict");

        String value = cookie.substring(0, cookie.indexOf(';'));
        Response refreshed = api.send(api.request("/api/auth/refresh", null).header("Cookie", value)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(refreshed.status()).as(refreshed.toString()).isEqualTo(200);
        assertThat(refreshed.header("Set-Cookie")).contains("Secure");

        Response direct = instances.getFirst().api().post("/api/auth/login", null,
                Map.of("email", bob.email(), "password", "correct horse battery"));
        assertThat(direct.header("Set-Cookie")).as("plain HTTP straight to the instance, COOKIE_SECURE=false")
                .contains("refreshToken=").doesNotContain("Secure");
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void plainHttpIsRedirectedToHttpsWithPathAndQueryKept(Balancer.Kind kind) {
        Balancer balancer = balancers.get(kind);
        Api plain = new Api("http://127.0.0.1:" + balancer.port());
        String path = "/api/groups/7d0c6b5e-0000-4000-8000-000000000000/messages?afterSeq=5&limit=2";
        String expected = "https://127.0.0.1:" + balancer.tlsPort() + path;
        Response get = plain.get(path, null);
        assertThat(get.status()).as("%s GET: %s", kind, get).isEqualTo(301);
        assertThat(get.header("Location")).isEqualTo(expected);
        assertThat(get.raw().headers().allValues("Strict-Transport-Security")).as("no HSTS over plain HTTP").isEmpty();

        Response post = plain.send(plain.request("/api/auth/login", null).header("X-Forwarded-Proto", "https")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(post.status()).as("%s POST claiming to be https already: %s", kind, post).isEqualTo(301);
        assertThat(post.header("Location")).isEqualTo("https://127.0.0.1:" + balancer.tlsPort() + "/api/auth/login");
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void webSocketsOverTlsReceiveEveryMessageOnBothInstances(Balancer.Kind kind) {
        Api api = https(kind);
        Api.Session owner = api.newUser("owner");
        Api.Session member = api.newUser("member");
        String group = api.createGroup(owner.accessToken(), "tls " + kind);
        assertThat(api.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status())
                .isEqualTo(201);
        List<WsClient> sockets = new ArrayList<>();
        try {
            for (Api.Session who : List.of(owner, member, owner, member)) {
                WsClient socket = WsClient.authenticated(api, who.accessToken());
                sockets.add(socket);
                socket.send(Map.of("type", "subscribe", "groupId", group));
                socket.awaitType("subscribed");
            }
            Set<String> holding = Await.until(Duration.ofSeconds(10), "the four sockets spread over both instances",
                    () -> instancesHolding(api, owner, group), held -> held.size() == 2);
            assertThat(holding).containsExactlyInAnyOrder("tls-1", "tls-2");

            int count = 20;
            for (int i = 1; i <= count; i++) {
                Response sent = api.post("/api/messages", i % 2 == 0 ? owner.accessToken() : member.accessToken(),
                        Map.of("content", "over tls " + i, "targetType", "group", "targetIds", List.of(group)));
                assertThat(sent.status()).as(sent.toString()).isEqualTo(201);
            }
            List<Long> expected = LongStream.rangeClosed(1, count).boxed().toList();
            for (WsClient socket : sockets) {
                assertThat(socket.messageSeqs(group, count, Duration.ofSeconds(10))).isEqualTo(expected);
            }
        } finally {
            sockets.forEach(WsClient::close);
        }
    }

    static Set<String> instancesHolding(Api api, Api.Session caller, String group) {
        Set<String> held = new HashSet<>();
        for (JsonNode user : api.get("/api/groups/" + group + "/presence", caller.accessToken()).json().path("online")) {
            user.path("instances").forEach(i -> held.add(i.asString()));
        }
        return held;
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void onlyTls12AndTls13AreAccepted(Balancer.Kind kind) throws Exception {
        int port = balancers.get(kind).tlsPort();
        assertThat(handshake(port, "-tls1_3")).as("%s TLS 1.3", kind).contains("New, TLSv1.3,", "Verify return code: 0 (ok)");
        assertThat(handshake(port, "-tls1_2")).as("%s TLS 1.2", kind).contains("New, TLSv1.2,", "Verify return code: 0 (ok)");
        // SECLEVEL=0 lets this client offer TLS 1.1 at all; the refusal is the server's (its alert 70).
        String old = handshake(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(old).as("%s TLS 1.1", kind).contains("alert protocol version", "New, (NONE), Cipher is (NONE)")
                .doesNotContain("no protocols available");
    }

    /** openssl s_client's report of one handshake with the balancer, trusting the local CA. */
    static String handshake(int port, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-CAfile", certificate.ca().toString()));
        command.addAll(List.of(options));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OPENSSL_CONF", "/dev/null"); // no system-wide MinProtocol: the client may offer TLS 1.1
        Process p = builder.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl s_client did not finish: " + output);
        }
        return output;
    }
}
