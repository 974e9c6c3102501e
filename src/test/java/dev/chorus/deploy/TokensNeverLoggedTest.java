package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Await;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.RawUpgrade;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 10: no credential reaches a log. A whole session runs through the real nginx and HAProxy of deploy/ in front
 * of two instance processes (whose per-request access log is on): register, login, refresh by body and by cookie,
 * sockets authenticated by a first {@code auth} frame and by the legacy {@code ?access_token=} URL, a token replaced
 * on a live socket, posts both ways, forged tokens and a wrong password, a legacy upgrade while no instance is in the
 * rotation (which is what makes nginx write an error-log line with the request in it), logout. Then every file the
 * balancers and the instances wrote is searched for every password, access token, access-token signature and
 * refresh token of that session.
 */
@Tag("process")
class TokensNeverLoggedTest {

    static TestCluster cluster;
    static final List<ChorusProcess> instances = new ArrayList<>();
    static final Map<Balancer.Kind, Balancer> balancers = new EnumMap<>(Balancer.Kind.class);

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("LOGGING_LEVEL_DEV_CHORUS_ACCESS", "DEBUG");
        List<CompletableFuture<ChorusProcess>> starting = Stream.of("tokens-1", "tokens-2")
                .map(id -> CompletableFuture.supplyAsync(() -> cluster.startProcess(id))).toList();
        starting.forEach(f -> instances.add(f.join()));
        Map<String, Integer> ports = new LinkedHashMap<>();
        instances.forEach(p -> ports.put(p.id(), p.port()));
        for (Balancer.Kind kind : Balancer.Kind.values()) {
            balancers.put(kind, Balancer.start(kind, ports));
        }
    }

    @AfterAll
    static void stop() {
        balancers.values().forEach(Balancer::close);
        cluster.close();
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void noPasswordOrTokenOfAWholeSessionReachesABalancerOrInstanceLog(Balancer.Kind kind) throws Exception {
        Balancer balancer = balancers.get(kind);
        Map<ChorusProcess, Integer> logged = new LinkedHashMap<>();
        instances.forEach(i -> logged.put(i, read(i.log()).length()));
        Secrets secrets = runSession(balancer);

        awaitSessionLogged(kind, balancer, logged);
        List<Path> logs = new ArrayList<>(instances.stream().map(ChorusProcess::log).toList());
        for (Balancer b : balancers.values()) {
            try (Stream<Path> files = Files.walk(b.dir())) {
                files.filter(Files::isRegularFile).forEach(logs::add);
            }
        }
        List<String> found = new ArrayList<>();
        for (Path log : logs) {
            String text = Files.readString(log, StandardCharsets.ISO_8859_1);
            secrets.values.forEach((name, secret) -> {
                int at = text.indexOf(secret);
                if (at >= 0) {
                    found.add(name + " in " + log + ": ..." + text.substring(Math.max(0, at - 150), Math.min(text.length(), at + 50)));
                }
            });
        }
        assertThat(found).as("credentials of the %s session in %d log files", kind, logs.size()).isEmpty();
    }

    /** What a session used that must never be written anywhere, by name. */
    record Secrets(Map<String, String> values) {
        Secrets() {
            this(new LinkedHashMap<>());
        }

        void password(String name, String password) {
            values.put(name, password);
        }

        /** An access token (a JWT): all of it, and its signature alone, which is what a redaction might miss. */
        void accessToken(String name, String jwt) {
            assertThat(jwt).as(name).isNotBlank().contains(".");
            values.put(name, jwt);
            values.put(name + " (signature)", jwt.substring(jwt.lastIndexOf('.') + 1));
        }

        void refreshToken(String name, String token) {
            assertThat(token).as(name).isNotBlank();
            values.put(name, token);
        }

        /** The access and refresh tokens of a login or refresh answer, noted as secrets. */
        Tokens tokens(String from, Response answer) {
            Tokens tokens = Tokens.of(answer);
            accessToken("access token of the " + from, tokens.access());
            refreshToken("refresh token of the " + from, tokens.refresh());
            return tokens;
        }
    }

    /** An access token and the refresh token that came with it. */
    record Tokens(String access, String refresh) {
        static Tokens of(Response login) {
            return new Tokens(login.text("accessToken"), login.text("refreshToken"));
        }
    }

    private static Secrets runSession(Balancer balancer) {
        Api lb = balancer.api();
        Secrets secrets = new Secrets();
        Tokens tokens = signUpInAndRefresh(lb, secrets);
        String token = socketsAuthenticatedBothWays(lb, secrets, tokens);
        badCredentials(balancer, secrets, token);
        refusedLegacyUpgradeWithNoInstanceInTheRotation(balancer, token);
        assertThat(lb.post("/api/auth/logout", token, "").status()).isEqualTo(204);
        assertThat(lb.get("/api/users/me", token).status()).isEqualTo(401);
        return secrets;
    }

    /** Register, a wrong password, login, a refresh by body, then one by cookie: the tokens of the last. */
    private static Tokens signUpInAndRefresh(Api lb, Secrets secrets) {
        String email = "tokens-" + UUID.randomUUID() + "@example.test";
        String password = "pw-" + UUID.randomUUID();
        secrets.password("password", password);
        expect(lb.post("/api/auth/register", null, Map.of("email", email, "password", password, "displayName", "Tess")), 201);
        String wrongPassword = "wrong-" + UUID.randomUUID();
        secrets.password("wrong password", wrongPassword);
        expect(lb.post("/api/auth/login", null, Map.of("email", email, "password", wrongPassword)), 401);

        Tokens login = secrets.tokens("login", expect(lb.post("/api/auth/login", null, Map.of("email", email, "password", password)), 200));
        Tokens byBody = secrets.tokens("refresh by body", expect(lb.post("/api/auth/refresh", null, Map.of("refreshToken", login.refresh())), 200));
        return secrets.tokens("refresh by cookie", expect(lb.send(lb.request("/api/auth/refresh", null)
                .header("Cookie", "refreshToken=" + byBody.refresh()).POST(HttpRequest.BodyPublishers.noBody())), 200));
    }

    /**
     * A socket authenticated by its first frame and one by the legacy URL, both subscribed; a refresh whose access
     * token replaces the first socket's; a post by REST and one by socket, which both sockets receive. Returns the
     * access token in use at the end.
     */
    private static String socketsAuthenticatedBothWays(Api lb, Secrets secrets, Tokens tokens) {
        String group = lb.createGroup(tokens.access(), "tokens");
        try (WsClient firstFrame = WsClient.authenticated(lb, tokens.access()); WsClient legacy = WsClient.connect(lb, tokens.access())) {
            for (WsClient socket : List.of(firstFrame, legacy)) {
                socket.send(Map.of("type", "subscribe", "groupId", group));
                socket.awaitType("subscribed");
            }
            String token = secrets.tokens("refresh for a live socket",
                    expect(lb.post("/api/auth/refresh", null, Map.of("refreshToken", tokens.refresh())), 200)).access();
            firstFrame.send(Map.of("type", "auth", "token", token));
            firstFrame.awaitType("authenticated");

            expect(lb.post("/api/messages", token, Map.of("content", "by post", "targetType", "group", "targetIds", List.of(group))), 201);
            firstFrame.send(Map.of("type", "send", "groupId", group, "content", "by socket", "clientMessageId", "c-1"));
            firstFrame.awaitType("ack");
            for (WsClient socket : List.of(firstFrame, legacy)) {
                assertThat(socket.messageSeqs(group, 2, Duration.ofSeconds(10))).containsExactly(1L, 2L);
            }
            return token;
        }
    }

    /**
     * A forged token in a header, in an auth frame and in a URL; then what the instance's Tomcat refuses and would
     * quote in its note about it: a URL with {|} in its query, a refresh cookie with a character no cookie may hold.
     */
    private static void badCredentials(Balancer balancer, Secrets secrets, String token) {
        Api lb = balancer.api();
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "Zm9yZ2Vk" + UUID.randomUUID().toString().replace("-", "");
        secrets.accessToken("forged access token", forged);
        expect(lb.get("/api/users/me", forged), 401);
        try (WsClient badFrame = WsClient.connect(lb, null); WsClient badUrl = WsClient.connect(lb, forged)) {
            badFrame.send(Map.of("type", "auth", "token", forged));
            assertThat(badFrame.awaitClose(Duration.ofSeconds(10))).isEqualTo(1008);
            assertThat(badUrl.awaitClose(Duration.ofSeconds(10))).isEqualTo(1008);
        }
        try (RawUpgrade malformed = RawUpgrade.send(InetAddress.getLoopbackAddress(), balancer.port(),
                "/ws?access_token=" + token + "&client={|}", Map.of())) {
            assertThat(malformed.status()).as("a legacy upgrade with {|} in its query").isEqualTo(400);
        }
        String strayRefresh = "stray-" + UUID.randomUUID();
        secrets.refreshToken("malformed refresh cookie", strayRefresh);
        Response badCookie = lb.send(lb.request("/api/auth/refresh", null)
                .header("Cookie", "refreshToken=" + strayRefresh + "\\").POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(badCookie.status()).as(badCookie.toString()).isIn(400, 401);
    }

    /**
     * Every instance taken out of the rotation, then a legacy upgrade: nginx answers 502 itself and, at error level,
     * would write the request line (query and all) into its error log; HAProxy answers 503.
     */
    private static void refusedLegacyUpgradeWithNoInstanceInTheRotation(Balancer balancer, String token) {
        instances.forEach(i -> balancer.takeOut(i.id()));
        try {
            // Right after a reload an old nginx worker may still accept a connection or two with the old rotation.
            Await.until(Duration.ofSeconds(10), "a legacy upgrade refused with no instance in the rotation", () -> {
                try (RawUpgrade upgrade = RawUpgrade.send(InetAddress.getLoopbackAddress(), balancer.port(),
                        "/ws?access_token=" + token, Map.of())) {
                    return upgrade.status();
                }
            }, status -> status == 502 || status == 503);
        } finally {
            instances.forEach(i -> balancer.putBack(i.id()));
        }
        Await.until(Duration.ofSeconds(15), "the balancer serving again", () -> balancer.api().get("/health/ready", null),
                ready -> ready.status() == 200);
    }

    /**
     * Waits until the balancer has written the session's last request and its sockets (nginx flushes its buffer every
     * second; a socket's line is written once it closes) and the instances, since the session began, the sockets' closes
 * and the logout (in their access log): the search then looks
     * at a complete record, not at one that the token-bearing lines have yet to reach.
     */
    private static void awaitSessionLogged(Balancer.Kind kind, Balancer balancer, Map<ChorusProcess, Integer> loggedBefore) {
        Path log = kind == Balancer.Kind.NGINX ? balancer.dir().resolve("nginx-access.log") : balancer.dir().resolve("stdout.log");
        String logout = kind == Balancer.Kind.NGINX ? "\"uri\":\"/api/auth/logout\"" : "\"POST /api/auth/logout HTTP/1.1\"";
        String socket = kind == Balancer.Kind.NGINX ? "\"uri\":\"/ws" : "\"GET /ws";
        Await.until(Duration.ofSeconds(15), "the logout and 5 upgrades (4 sockets, 1 refused) in " + log, () -> read(log),
                text -> text.contains(logout) && text.split(socket, -1).length - 1 >= 5);
        Await.until(Duration.ofSeconds(15), "4 sockets closed and a logout in the instances' logs",
                () -> instances.stream().map(i -> read(i.log()).substring(loggedBefore.get(i))).reduce("", String::concat),
                text -> text.split("websocket closed", -1).length - 1 >= 4 && text.contains("POST /api/auth/logout 204"));
    }

    private static Response expect(Response response, int status) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        return response;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
