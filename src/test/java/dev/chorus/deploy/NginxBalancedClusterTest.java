package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three instance processes behind the nginx of deploy/nginx, every request through the balancer: balancing,
 * failover on SIGKILL, the token and session journeys, request ids and the body limit.
 */
@Tag("process")
class NginxBalancedClusterTest {

    static BalancedCluster cluster;
    static Api lb;

    @BeforeAll
    static void start() {
        cluster = BalancedCluster.start(Balancer.Kind.NGINX, "ngx", 3, Map.of());
        lb = cluster.api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void threeHundredRequestsReachEveryInstanceAndNoneTakesMoreThanHalf() {
        Session user = lb.newUser("spread");
        try (LoadLoop loop = LoadLoop.start(6, 300, Duration.ofSeconds(60),
                n -> lb.get("/api/users/me", user.accessToken()), r -> r.status() == 200)) {
            loop.finish(Duration.ofSeconds(60));
            assertThat(loop.failures()).isEmpty();
            assertThat(loop.succeeded()).isEqualTo(300);
            Map<String, Long> served = loop.byInstance();
            assertThat(served.keySet()).containsExactlyInAnyOrder("ngx-1", "ngx-2", "ngx-3");
            assertThat(served.values()).as("requests per instance %s", served).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(150));
        }
    }

    @Test
    void aSigkilledInstanceFailsNoIdempotentRequestAndRejoinsWhenRestarted() {
        Session user = lb.newUser("failover");
        String group = lb.createGroup(user.accessToken(), "failover");
        post(user, group, "before the crash");
        ChorusProcess victim = cluster.process("ngx-2");
        try (LoadLoop loop = LoadLoop.start(4, 20_000, Duration.ofSeconds(90), n -> n % 2 == 0
                ? lb.get("/api/users/me", user.accessToken())
                : lb.get("/api/groups/" + group + "/messages?limit=10", user.accessToken()), r -> r.status() == 200)) {
            awaitServed(loop, victim.id(), loop.servedBy(victim.id()) + 20, Duration.ofSeconds(20));
            victim.kill();
            long dead = System.nanoTime(); // the process has exited: no request sent from now on can reach it
            awaitSucceeded(loop, loop.succeeded() + 200, Duration.ofSeconds(30));
            assertThat(loop.servedBy(victim.id(), dead)).as("requests sent after the kill that the dead instance served").isZero();

            ChorusProcess back = cluster.restart(victim);
            assertThat(back.port()).isEqualTo(victim.port());
            awaitServed(loop, victim.id(), loop.servedBy(victim.id()) + 20, Duration.ofSeconds(30));
            loop.stop();
            assertThat(loop.failures()).as("failed idempotent requests").isEmpty();
            assertThat(loop.byInstance().keySet()).containsExactlyInAnyOrder("ngx-1", "ngx-2", "ngx-3");
        }
    }

    @Test
    void aTokenIssuedThroughTheBalancerWorksWhicheverInstanceServesTheNextCallAndRotationIsClusterWide() {
        Set<String> servedBy = new LinkedHashSet<>();
        Session session = lb.newUser("journey");
        for (int i = 0; i < 3; i++) {
            Response me = lb.get("/api/users/me", session.accessToken());
            assertThat(me.status()).isEqualTo(200);
            assertThat(me.text("email")).isEqualTo(session.email());
            servedBy.add(me.header("X-Instance-ID"));
        }
        Response refreshed = lb.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.header("Set-Cookie")).contains("refreshToken=" + refreshed.text("refreshToken"))
                .contains("HttpOnly").contains("SameSite=Strict").contains("Path=/api/auth");
        servedBy.add(refreshed.header("X-Instance-ID"));
        for (int i = 0; i < 3; i++) {
            Response me = lb.get("/api/users/me", refreshed.text("accessToken"));
            assertThat(me.status()).isEqualTo(200);
            servedBy.add(me.header("X-Instance-ID"));
        }
        for (int i = 0; i < 3; i++) {
            Response old = lb.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
            assertThat(old.status()).as("the rotated-away refresh token on %s", old.header("X-Instance-ID")).isEqualTo(401);
        }
        assertThat(servedBy).as("instances that served the journey").hasSize(3);
    }

    @Test
    void theRefreshCookieAloneWorksThroughTheBalancer() {
        Session session = lb.newUser("cookie");
        Response r = lb.send(lb.request("/api/auth/refresh", null).header("Cookie", "refreshToken=" + session.refreshToken())
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(lb.get("/api/users/me", r.text("accessToken")).status()).isEqualTo(200);
    }

    @Test
    void presentingARotatedRefreshTokenThroughTheBalancerRevokesTheSessionOnEveryInstance() {
        Session session = lb.newUser("theft");
        Response rotated = lb.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(rotated.status()).isEqualTo(200);
        Response replay = lb.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.text("error")).isEqualTo("refresh_token_reused");
        assertThat(lb.post("/api/auth/refresh", null, Map.of("refreshToken", rotated.text("refreshToken"))).status()).isEqualTo(401);
        assertRefusedByEveryInstance(rotated.text("accessToken"));
    }

    @Test
    void logoutThroughTheBalancerIsHonouredByEveryInstance() {
        Session session = lb.newUser("logout");
        assertThat(lb.get("/api/users/me", session.accessToken()).status()).isEqualTo(200);
        assertThat(lb.post("/api/auth/logout", session.accessToken(), "").status()).isEqualTo(204);
        assertRefusedByEveryInstance(session.accessToken());
        assertThat(lb.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken())).status()).isEqualTo(401);
    }

    @Test
    void theCallersRequestIdIsPassedThroughAndTheBalancerMakesOneWhenItIsMissingOrInsane() {
        Response passed = lb.send(lb.request("/health/ready", null).header("X-Request-ID", "trace-42.a:b").GET());
        assertThat(passed.header("X-Request-ID")).isEqualTo("trace-42.a:b");
        assertThat(passed.raw().headers().allValues("X-Request-ID")).hasSize(1);
        assertThat(passed.header("X-Instance-ID")).startsWith("ngx-");

        Response made = lb.get("/health/ready", null);
        assertThat(made.header("X-Request-ID")).matches("[0-9a-f]{32}");
        Response insane = lb.send(lb.request("/api/users/me", null).header("X-Request-ID", "no spaces allowed").GET());
        assertThat(insane.status()).isEqualTo(401);
        assertThat(insane.header("X-Request-ID")).matches("[0-9a-f]{32}");
        assertThat(insane.text("requestId")).as("the instance adopted the balancer's id").isEqualTo(insane.header("X-Request-ID"));
    }

    @Test
    void aBodyOverTheLimitIsRefusedByTheBalancerInTheErrorShape() {
        Session user = lb.newUser("big");
        String body = "{\"content\":\"" + "x".repeat(70_000) + "\",\"targetType\":\"group\",\"targetIds\":[]}";
        Response r = lb.post("/api/messages", user.accessToken(), body);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.text("error")).isEqualTo("payload_too_large");
        assertThat(r.text("requestId")).isEqualTo(r.header("X-Request-ID"));
        assertThat(r.header("X-Instance-ID")).as("no instance saw it").isNull();
    }

    static void assertRefusedByEveryInstance(String accessToken) {
        Set<String> refusedBy = new LinkedHashSet<>();
        Instant deadline = Instant.now().plusSeconds(10);
        while (refusedBy.size() < 3 && Instant.now().isBefore(deadline)) {
            Response r = lb.get("/api/users/me", accessToken);
            assertThat(r.status()).as("access token on %s", r.header("X-Instance-ID")).isEqualTo(401);
            refusedBy.add(r.header("X-Instance-ID"));
        }
        assertThat(refusedBy).hasSize(3);
    }

    static void post(Session user, String group, String content) {
        Response r = lb.post("/api/messages", user.accessToken(), Map.of("content", content, "targetType", "group",
                "targetIds", List.of(group)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
    }

    static void awaitServed(LoadLoop loop, String instance, long count, Duration timeout) {
        Await.until(timeout, instance + " has served " + count + " requests", () -> progress(loop),
                seen -> loop.servedBy(instance) >= count);
    }

    static void awaitSucceeded(LoadLoop loop, long count, Duration timeout) {
        Await.until(timeout, count + " requests succeeded", () -> progress(loop), seen -> loop.succeeded() >= count);
    }

    /** What a load loop has done so far, for a wait that times out. */
    static String progress(LoadLoop loop) {
        return loop.succeeded() + " succeeded, per instance " + loop.byInstance() + ", failures " + first(loop.failures());
    }

    static List<String> first(List<String> failures) {
        return new ArrayList<>(failures.subList(0, Math.min(5, failures.size())));
    }
}
