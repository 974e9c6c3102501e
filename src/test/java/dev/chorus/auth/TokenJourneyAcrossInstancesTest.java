package dev.chorus.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import dev.chorus.support.TestCluster.Instance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three instances sharing Redis and PostgreSQL: a user never notices which one served them. */
class TokenJourneyAcrossInstancesTest {

    static TestCluster cluster;
    static Api one;
    static Api two;
    static Api three;

    @BeforeAll
    static void startThreeInstances() {
        cluster = new TestCluster();
        List<Instance> instances = cluster.startMany(3);
        one = instances.get(0).api();
        two = instances.get(1).api();
        three = instances.get(2).api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void tokensIssuedOnOneInstanceWorkOnEveryOtherAndRotationIsClusterWide() {
        Session session = one.newUser("journey");

        Response me = two.get("/api/users/me", session.accessToken());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.header("X-Instance-ID")).isEqualTo("chorus-2");
        assertThat(me.text("email")).isEqualTo(session.email());

        Response refreshed = three.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(refreshed.status()).isEqualTo(200);
        String newAccess = refreshed.text("accessToken");
        String newRefresh = refreshed.text("refreshToken");
        assertThat(newRefresh).isNotEqualTo(session.refreshToken());
        assertThat(refreshed.header("Set-Cookie")).contains("refreshToken=" + newRefresh).contains("HttpOnly")
                .contains("SameSite=Strict").contains("Path=/api/auth");

        assertThat(one.get("/api/users/me", newAccess).status()).isEqualTo(200);

        for (Api api : List.of(one, two, three)) {
            Response reused = api.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
            assertThat(reused.status()).as("old refresh token on %s", api.base()).isEqualTo(401);
        }
    }

    @Test
    void presentingARotatedRefreshTokenRevokesTheWholeSession() {
        Session session = one.newUser("theft");
        Response rotated = two.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(rotated.status()).isEqualTo(200);

        Response replay = three.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.text("error")).isEqualTo("refresh_token_reused");

        Response legitimateNext = one.post("/api/auth/refresh", null, Map.of("refreshToken", rotated.text("refreshToken")));
        assertThat(legitimateNext.status()).isEqualTo(401);
        assertThat(one.get("/api/users/me", rotated.text("accessToken")).status()).isEqualTo(401);
    }

    @Test
    void refreshWorksFromTheCookieAlone() {
        Session session = one.newUser("cookie");
        Response r = two.send(two.request("/api/auth/refresh", null)
                .header("Cookie", "refreshToken=" + session.refreshToken())
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text("tokenType")).isEqualTo("Bearer");
        assertThat(r.json().path("expiresIn").asLong()).isEqualTo(900);
        assertThat(r.json().path("user").path("roles").toString()).contains("USER");
    }

    @Test
    void logoutOnOneInstanceIsHonouredByTheOthers() {
        Session session = one.newUser("logout");
        // Every instance has verified the token once and remembers that (auth.internal.CachingJwtDecoder).
        for (Api api : List.of(one, two, three)) {
            assertThat(api.get("/api/users/me", session.accessToken()).status()).isEqualTo(200);
        }

        Response logout = two.post("/api/auth/logout", session.accessToken(), "");
        assertThat(logout.status()).isEqualTo(204);

        for (Api api : List.of(one, two, three)) {
            assertThat(api.get("/api/users/me", session.accessToken()).status()).as("access token on %s", api.base()).isEqualTo(401);
        }
        assertThat(three.post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken())).status()).isEqualTo(401);
    }

    @Test
    void twentyAuthenticatedCallsSpreadOverTheInstancesAllSucceed() {
        Session session = two.newUser("spread");
        List<Api> apis = List.of(one, two, three);
        for (int i = 0; i < 20; i++) {
            Response r = apis.get(i % 3).get("/api/users/me", session.accessToken());
            assertThat(r.status()).as("call %d", i).isEqualTo(200);
            assertThat(r.header("X-Instance-ID")).isEqualTo("chorus-" + (i % 3 + 1));
        }
    }

    @Test
    void refreshTokensAreStoredOnlyHashedAndExpire() {
        Session session = one.newUser("hashed");
        String sid = session.refreshToken().substring(0, session.refreshToken().indexOf('.'));
        var redis = io.lettuce.core.RedisClient.create(TestCluster.REDIS);
        try (var c = redis.connect()) {
            String key = cluster.redisPrefix() + "sess:" + sid;
            Map<String, String> stored = c.sync().hgetall(key);
            assertThat(stored.get("current")).hasSize(64).doesNotContain(session.refreshToken().substring(37));
            assertThat(c.sync().ttl(key)).isBetween(1L, 7 * 24 * 3600L);
        } finally {
            redis.shutdown();
        }
    }
}
