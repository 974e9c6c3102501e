package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rate limits live in Redis: a limit reached through one instance holds on the others. */
class RateLimitAcrossInstancesTest {

    TestCluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void perUserLimitReachedThroughOneInstanceAppliesOnTheOthers() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_USER", "5").with("RATE_LIMIT_PER_IP", "0");
        List<Api> apis = cluster.startMany(3).stream().map(TestCluster.Instance::api).toList();
        Session user = apis.get(0).newUser("limited");
        for (int i = 0; i < 5; i++) {
            assertThat(apis.get(0).get("/api/users/me", user.accessToken()).status()).isEqualTo(200);
        }
        for (Api other : apis) {
            Response refused = other.get("/api/users/me", user.accessToken());
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.text("error")).isEqualTo("rate_limited");
            assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
        }
        Session someoneElse = apis.get(1).newUser("unaffected");
        assertThat(apis.get(2).get("/api/users/me", someoneElse.accessToken()).status()).isEqualTo(200);
    }

    @Test
    void perIpLimitIsSharedAndHealthProbesAreNeverLimited() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "4").with("RATE_LIMIT_PER_USER", "0");
        List<Api> apis = cluster.startMany(2).stream().map(TestCluster.Instance::api).toList();
        for (int i = 0; i < 4; i++) {
            assertThat(apis.get(i % 2).get("/api/users/me", null).status()).isEqualTo(401);
        }
        Response refused = apis.get(1).get("/api/users/me", null);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotBlank();
        assertThat(apis.get(0).get("/health/ready", null).status()).isEqualTo(200);
        assertThat(apis.get(0).get("/metrics", null).status()).isEqualTo(200);
    }

    @Test
    void clientIpComesFromXForwardedForOnlyWhenThePeerIsATrustedProxy() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "2").with("RATE_LIMIT_PER_USER", "0");
        Api api = cluster.start("chorus-1").api();
        for (int i = 0; i < 2; i++) {
            assertThat(forwardedFor(api, "203.0.113.7").status()).isEqualTo(401);
        }
        assertThat(forwardedFor(api, "203.0.113.7").status()).isEqualTo(429);
        assertThat(forwardedFor(api, "203.0.113.8").status()).isEqualTo(401);
    }

    @Test
    void loginAttemptsAreLimitedPerEmailAcrossInstances() {
        cluster = new TestCluster().with("RATE_LIMIT_LOGIN", "3").with("RATE_LIMIT_PER_IP", "0");
        List<Api> apis = cluster.startMany(2).stream().map(TestCluster.Instance::api).toList();
        Session victim = apis.get(0).newUser("victim"); // one successful login spent
        String email = victim.email();
        assertThat(apis.get(1).post("/api/auth/login", null, Map.of("email", email, "password", "wrong-password")).status()).isEqualTo(401);
        assertThat(apis.get(0).post("/api/auth/login", null, Map.of("email", email.toUpperCase(), "password", "wrong-password")).status()).isEqualTo(401);
        Response limited = apis.get(1).post("/api/auth/login", null, Map.of("email", email, "password", "correct horse battery"));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isNotBlank();
        String other = "other-" + UUID.randomUUID() + "@example.test";
        assertThat(apis.get(1).post("/api/auth/login", null, Map.of("email", other, "password", "whatever1")).status()).isEqualTo(401);
    }

    @Test
    void signInAttemptsFromOneAddressComeOneByOneAfterASmallBurstRatherThanAMinutesWorthAtOnce() {
        // 12 a minute: a burst of 2 (a sixth), then one every 5 s, shared by login and registration on every instance.
        cluster = new TestCluster().with("RATE_LIMIT_LOGIN_PER_IP", "12").with("RATE_LIMIT_PER_IP", "0");
        List<Api> apis = cluster.startMany(2).stream().map(TestCluster.Instance::api).toList();
        assertThat(randomLogin(apis.get(0)).status()).isEqualTo(401);
        assertThat(apis.get(1).post("/api/auth/register", null, Map.of("email", "new-" + UUID.randomUUID() + "@example.test",
                "password", "correct horse battery", "displayName", "New")).status()).isEqualTo(201);
        Response refused = randomLogin(apis.get(1));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.text("error")).isEqualTo("rate_limited");
        assertThat(Long.parseLong(refused.header("Retry-After"))).as("seconds until the next attempt, not a minute").isBetween(1L, 6L);

        Await.until(Duration.ofSeconds(15), "an attempt is admitted again", () -> randomLogin(apis.get(0)).status() == 401);
        assertThat(randomLogin(apis.get(1)).status()).as("one attempt came back, not a burst").isEqualTo(429);
    }

    private static Response randomLogin(Api api) {
        return api.post("/api/auth/login", null, Map.of("email", "anyone-" + UUID.randomUUID() + "@example.test", "password", "guess-it"));
    }

    private static Response forwardedFor(Api api, String ip) {
        return api.send(api.request("/api/users/me", null).header("X-Forwarded-For", ip).GET());
    }
}
