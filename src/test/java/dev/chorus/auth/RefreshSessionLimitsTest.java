package dev.chorus.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A login session has an absolute lifetime (REFRESH_SESSION_MAX_AGE) and a bounded footprint in Redis however often
 * it is refreshed, while a recently rotated token presented again still revokes it.
 */
class RefreshSessionLimitsTest {

    /** RefreshSessions.ROTATED_KEPT: rotated hashes remembered per session. */
    static final int KEPT = 50;
    static final Duration SHORT_LIFE = Duration.ofSeconds(5);

    static TestCluster cluster;
    static Api shortLived;
    static Api one;
    static Api two;
    static RedisClient redisClient;
    static StatefulRedisConnection<String, String> redisConnection;
    static RedisCommands<String, String> redis;

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        shortLived = cluster.start("short", Map.of("REFRESH_SESSION_MAX_AGE", SHORT_LIFE.toString())).api();
        one = cluster.start("one").api();
        two = cluster.start("two").api();
        redisClient = RedisClient.create(TestCluster.REDIS);
        redisConnection = redisClient.connect();
        redis = redisConnection.sync();
    }

    @AfterAll
    static void stop() {
        redisConnection.close();
        redisClient.shutdown();
        cluster.close();
    }

    static Response refresh(Api api, String token) {
        return api.post("/api/auth/refresh", null, Map.of("refreshToken", token));
    }

    static long cookieMaxAge(Response r) {
        Matcher m = Pattern.compile("Max-Age=(\\d+)").matcher(r.header("Set-Cookie"));
        assertThat(m.find()).as(r.header("Set-Cookie")).isTrue();
        return Long.parseLong(m.group(1));
    }

    static String sessionId(String refreshToken) {
        return refreshToken.substring(0, refreshToken.indexOf('.'));
    }

    @Test
    void aSessionEndsAtItsMaximumAgeHoweverOftenItIsRefreshed() {
        Instant loggedIn = Instant.now();
        Session session = shortLived.newUser("mortal");
        String token = session.refreshToken();
        Response last;
        for (int i = 0; ; i++) {
            last = refresh(i % 2 == 0 ? one : two, token);
            if (last.status() != 200) {
                break;
            }
            assertThat(cookieMaxAge(last)).as("the cookie never outlives the session").isLessThanOrEqualTo(SHORT_LIFE.toSeconds());
            token = last.text("refreshToken");
            assertThat(Duration.between(loggedIn, Instant.now())).as("still refreshing").isLessThan(SHORT_LIFE.plusSeconds(20));
        }
        Duration lived = Duration.between(loggedIn, Instant.now());
        assertThat(last.status()).isEqualTo(401);
        assertThat(last.text("error")).isEqualTo("invalid_refresh_token");
        assertThat(lived).isGreaterThanOrEqualTo(SHORT_LIFE);
        assertThat(redis.exists(cluster.redisPrefix() + "sess:" + sessionId(token))).isZero();
    }

    @Test
    void tenThousandRefreshesOfOneSessionKeepItsRedisMemoryBounded() {
        Session session = one.newUser("tireless");
        String sid = sessionId(session.refreshToken());
        String sessionKey = cluster.redisPrefix() + "sess:" + sid;
        String rotatedKey = cluster.redisPrefix() + "sess-rotated:" + sid;
        String token = session.refreshToken();
        long afterHundred = 0;
        for (int i = 1; i <= 10_000; i++) {
            Response r = refresh(i % 2 == 0 ? one : two, token);
            assertThat(r.status()).as("refresh %d: %s", i, r).isEqualTo(200);
            token = r.text("refreshToken");
            if (i == 100) {
                afterHundred = memory(sessionKey) + memory(rotatedKey);
            }
        }
        long afterTenThousand = memory(sessionKey) + memory(rotatedKey);
        assertThat(redis.zcard(rotatedKey)).isEqualTo(KEPT);
        assertThat(afterTenThousand).as("bytes after 100 refreshes: %d", afterHundred).isLessThanOrEqualTo(afterHundred + 64);
        assertThat(afterTenThousand).isLessThan(16 * 1024);
        assertThat(redis.keys(cluster.redisPrefix() + "*" + sid + "*")).containsExactlyInAnyOrder(sessionKey, rotatedKey);
        assertThat(refresh(one, token).status()).isEqualTo(200);
    }

    @Test
    void aRecentlyRotatedTokenStillRevokesTheSessionAndAnOlderOneIsMerelyInvalid() {
        Session session = one.newUser("victim");
        List<String> tokens = new ArrayList<>(List.of(session.refreshToken()));
        String access = session.accessToken();
        for (int i = 0; i < KEPT + 10; i++) {
            Response r = refresh(i % 2 == 0 ? one : two, tokens.getLast());
            tokens.add(r.text("refreshToken"));
            access = r.text("accessToken");
        }
        // tokens.getLast() is current; the KEPT before it are remembered; the one before those is forgotten.
        String forgotten = tokens.get(tokens.size() - 2 - KEPT);
        String oldestRemembered = tokens.get(tokens.size() - 1 - KEPT);

        Response unknown = refresh(two, forgotten);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.text("error")).isEqualTo("invalid_refresh_token");
        assertThat(one.get("/api/users/me", access).status()).as("an unknown token revokes nothing").isEqualTo(200);

        Response reused = refresh(one, oldestRemembered);
        assertThat(reused.status()).isEqualTo(401);
        assertThat(reused.text("error")).isEqualTo("refresh_token_reused");
        assertThat(two.get("/api/users/me", access).status()).as("the session is revoked").isEqualTo(401);
        assertThat(refresh(two, tokens.getLast()).status()).isEqualTo(401);
    }

    private static long memory(String key) {
        Long bytes = redis.memoryUsage(key);
        assertThat(bytes).as("MEMORY USAGE " + key).isNotNull();
        return bytes;
    }
}
