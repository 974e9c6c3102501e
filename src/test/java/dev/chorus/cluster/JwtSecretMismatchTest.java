package dev.chorus.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api.Response;
import dev.chorus.support.TestCluster;
import dev.chorus.support.TestCluster.Instance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Instances publish a fingerprint of their JWT key; the odd one out stops taking traffic. */
class JwtSecretMismatchTest {

    static TestCluster cluster;
    static List<Instance> agreeing;
    static Instance odd;

    @BeforeAll
    static void startTwoAgreeingInstancesAndOneWithAnotherSecret() {
        cluster = new TestCluster();
        agreeing = cluster.startMany(2);
        odd = cluster.start("chorus-odd", Map.of("JWT_SECRET", "a-completely-different-secret-of-enough-length!"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void theInstanceWithADifferentSecretReportsNotReadyWithJwtSecretMismatch() {
        Response ready = odd.api().get("/health/ready", null);
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().path("ready").asBoolean()).isFalse();
        assertThat(ready.json().path("reasons").toString()).contains("jwt-secret-mismatch");
        assertThat(odd.api().get("/health", null).status()).isEqualTo(503);
        assertThat(odd.api().get("/health/live", null).status()).isEqualTo(200);
    }

    @Test
    void theOthersStayReady() {
        for (Instance instance : agreeing) {
            Response ready = instance.api().get("/health/ready", null);
            assertThat(ready.status()).as(instance.id()).isEqualTo(200);
            assertThat(ready.json().path("ready").asBoolean()).isTrue();
        }
    }

    @Test
    void theSecretItselfIsNeverPublished() {
        var redis = io.lettuce.core.RedisClient.create(TestCluster.REDIS);
        try (var c = redis.connect()) {
            Map<String, String> registry = c.sync().hgetall(cluster.redisPrefix() + "instance-info");
            assertThat(registry).hasSize(3);
            assertThat(registry.values()).noneMatch(v -> v.contains(TestCluster.SECRET) || v.contains("completely-different"));
        } finally {
            redis.shutdown();
        }
    }
}
