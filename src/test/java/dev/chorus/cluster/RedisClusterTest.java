package dev.chorus.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.RedisCluster;
import dev.chorus.support.TestCluster;
import dev.chorus.support.TestCluster.Instance;
import dev.chorus.support.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: three instances (application contexts) on a Redis Cluster of their own (three masters with a replica
 * each) reached through REDIS_CLUSTER_NODES and REDIS_PASSWORD keep every guarantee they keep on one Redis: fan-out
 * to every instance once and in order over sharded pub/sub, limits, refresh rotation and logout shared by all, one
 * leader, presence seen everywhere. A master's death under load is {@code RedisClusterFailoverUnderLoadTest}.
 */
@Tag("process")
class RedisClusterTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int PER_USER_LIMIT = 100;
    static RedisCluster redis;
    static TestCluster cluster;
    static List<Instance> instances;
    static List<Api> apis;

    @BeforeAll
    static void start() {
        redis = new RedisCluster();
        cluster = new TestCluster().with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", Integer.toString(PER_USER_LIMIT));
        redis.env().forEach(cluster::with);
        instances = cluster.startMany(3);
        apis = instances.stream().map(Instance::api).toList();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void messagesPostedOnEveryInstanceReachSubscribersOnEveryInstanceOnceAndInOrder() {
        Session owner = apis.get(0).newUser("owner");
        Session member = apis.get(1).newUser("member");
        String group = groupOf(owner, member, "fan-out");
        List<WsClient> subscribers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subscribers.add(subscribed(apis.get(i), i == 1 ? member : owner, group));
        }
        for (int n = 0; n < 30; n++) {
            for (int i = 0; i < 3; i++) {
                Response posted = apis.get(i).post("/api/messages", i == 1 ? member.accessToken() : owner.accessToken(),
                        Map.of("content", "m " + n, "targetType", "group", "targetIds", List.of(group)));
                assertThat(posted.status()).as("post %d on instance %d", n, i).isEqualTo(201);
            }
        }
        List<Long> expected = LongStream.rangeClosed(1, 90).boxed().toList();
        for (WsClient ws : subscribers) {
            assertThat(ws.messageSeqs(group, 90, WAIT)).isEqualTo(expected);
            ws.close();
        }
    }

    @Test
    void theBusIsOneShardChannelSetOnOneMasterAndNothingIsPublishedClusterWide() {
        String messages = cluster.redisPrefix() + "{bus}:messages";
        int owner = redis.masterOf(messages);
        Await.until(WAIT, "every instance subscribed to " + messages + " on " + owner,
                () -> redis.onNode(owner, "PUBSUB", "SHARDNUMSUB", messages), reply -> reply.strip().endsWith("3"));
        assertThat(redis.onNode(owner, "PUBSUB", "NUMSUB", cluster.redisPrefix() + "bus:messages").strip()).endsWith("0");
        assertThat(redis.onNode(owner, "PUBSUB", "CHANNELS").strip()).as("classic channels").isEmpty();
    }

    @Test
    void aPerUserLimitReachedThroughOneInstanceHoldsOnTheOthers() {
        Session user = apis.get(0).newUser("limited");
        // The bucket refills as the calls go: call until it is empty rather than exactly PER_USER_LIMIT times.
        int calls = 0;
        while (apis.get(0).get("/api/users/me", user.accessToken()).status() == 200) {
            assertThat(++calls).as("calls allowed").isLessThan(2 * PER_USER_LIMIT);
        }
        assertThat(calls).as("calls allowed before the first refusal").isGreaterThanOrEqualTo(PER_USER_LIMIT - 1);
        for (Api api : apis) {
            assertThat(api.get("/api/users/me", user.accessToken()).status()).as("on %s", api.base()).isEqualTo(429);
        }
    }

    @Test
    void aRefreshTokenRotatedOnOneInstanceAndReplayedOnAnotherRevokesTheSessionEverywhere() {
        Session session = apis.get(0).newUser("theft");
        String sid = session.refreshToken().substring(0, session.refreshToken().indexOf('.'));
        long tagged = redis.call(c -> c.sync().exists(cluster.redisPrefix() + "sess:{" + sid + "}"));
        assertThat(tagged).as("hash-tagged key").isOne();
        Response rotated = apis.get(1).post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(rotated.status()).isEqualTo(200);

        Response replay = apis.get(2).post("/api/auth/refresh", null, Map.of("refreshToken", session.refreshToken()));
        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.text("error")).isEqualTo("refresh_token_reused");
        assertThat(apis.get(0).post("/api/auth/refresh", null, Map.of("refreshToken", rotated.text("refreshToken"))).status())
                .isEqualTo(401);
        for (Api api : apis) {
            assertThat(api.get("/api/users/me", rotated.text("accessToken")).status()).as("on %s", api.base()).isEqualTo(401);
        }
    }

    @Test
    void aLogoutOnOneInstanceIsHonouredByTheOthers() {
        Session session = apis.get(0).newUser("logout");
        assertThat(apis.get(2).get("/api/users/me", session.accessToken()).status()).isEqualTo(200);
        assertThat(apis.get(1).post("/api/auth/logout", session.accessToken(), "").status()).isEqualTo(204);
        for (Api api : apis) {
            assertThat(api.get("/api/users/me", session.accessToken()).status()).as("on %s", api.base()).isEqualTo(401);
        }
    }

    @Test
    void exactlyOneInstanceLeads() {
        Await.until(WAIT, "exactly one leader", () -> instances.stream().filter(i -> i.bean(Leadership.class).isLeader()).count(),
                leaders -> leaders == 1);
    }

    @Test
    void aUserSubscribedOnOneInstanceIsListedOnlineOnTheOthers() {
        Session alice = apis.get(0).newUser("alice");
        Session bob = apis.get(1).newUser("bob");
        String group = groupOf(alice, bob, "presence");
        try (WsClient aliceWs = subscribed(apis.get(0), alice, group)) {
            for (Api api : apis) {
                Await.until(WAIT, "alice online on " + api.base(),
                        () -> api.get("/api/groups/" + group + "/presence", bob.accessToken()).json().path("online").toString(),
                        online -> online.contains(alice.userId()));
            }
        }
    }

    @Test
    void openSocketsAreVouchedForInOnePipelineOnTheCluster() {
        Session carol = apis.get(2).newUser("carol");
        String key = cluster.redisPrefix() + "ws-sockets:" + carol.userId();
        try (WsClient ws = WsClient.authenticated(apis.get(2), carol.accessToken())) {
            double taken = Await.until(WAIT, "the socket's slot in " + key, () -> redis.call(c -> c.sync().zrangeWithScores(key, 0, -1)),
                    slots -> slots.size() == 1).getFirst().getScore();
            Await.until(Duration.ofSeconds(30), "the slot vouched for again (every 10 s)",
                    () -> redis.call(c -> c.sync().zrangeWithScores(key, 0, -1)),
                    slots -> slots.size() == 1 && slots.getFirst().getScore() > taken);
        }
    }

    static String groupOf(Session owner, Session member, String name) {
        String group = apis.get(0).createGroup(owner.accessToken(), name);
        assertThat(apis.get(0).post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status())
                .isEqualTo(201);
        return group;
    }

    static WsClient subscribed(Api api, Session who, String group) {
        WsClient ws = WsClient.connect(api, who.accessToken());
        ws.send(Map.of("type", "subscribe", "groupId", group));
        ws.awaitType("subscribed");
        return ws;
    }
}
