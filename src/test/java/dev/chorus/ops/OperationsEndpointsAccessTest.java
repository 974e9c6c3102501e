package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.TestCluster;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OPS_ALLOWED_CIDRS: /metrics and /health/detailed answer only clients in the allowed ranges (the client as
 * TRUSTED_PROXIES resolves it), while /health, /health/live and /health/ready stay open to every balancer.
 */
class OperationsEndpointsAccessTest {

    static TestCluster cluster;
    /** Allows only 10.0.0.0/8; its peer (this test, on loopback) is a trusted proxy, so X-Forwarded-For decides. */
    static Api restricted;
    /** The defaults: loopback and the private ranges. */
    static Api defaults;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        restricted = cluster.start("restricted", Map.of("OPS_ALLOWED_CIDRS", "10.0.0.0/8")).api();
        defaults = cluster.start("defaults").api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static Response get(Api api, String path, String forwardedFor) {
        HttpRequest.Builder request = api.request(path, null).GET();
        if (forwardedFor != null) {
            request.header("X-Forwarded-For", forwardedFor);
        }
        return api.send(request);
    }

    @Test
    void metricsAndDetailedHealthAreRefusedWith403OutsideTheAllowedRanges() {
        for (String forwardedFor : new String[] {null, "203.0.113.9", "10.1.2.3, 203.0.113.9"}) {
            for (String path : new String[] {"/metrics", "/health/detailed"}) {
                Response refused = get(restricted, path, forwardedFor);
                assertThat(refused.status()).as("%s from %s", path, forwardedFor).isEqualTo(403);
                assertThat(refused.text("error")).isEqualTo("forbidden");
                assertThat(refused.text("requestId")).isEqualTo(refused.header("X-Request-ID"));
            }
        }
    }

    @Test
    void otherSpellingsOfTheRestrictedPathsAreRefusedToo() {
        for (String path : new String[] {"/metrics/", "//metrics", "/health/detailed/", "/health//detailed", "/metrics;a=b",
                "/health/./detailed", "/health/x/../detailed", "/%6Detrics"}) {
            Response r = get(restricted, path, "203.0.113.9");
            assertThat(r.status()).as(path + ": " + r).isIn(400, 403, 404);
            assertThat(r.raw().body()).as(path).doesNotContain("jvm_").doesNotContain("dbPool");
        }
        Response head = restricted.send(restricted.request("/metrics", null).header("X-Forwarded-For", "203.0.113.9")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.status()).isEqualTo(403);
    }

    @Test
    void clientsInTheAllowedRangesReadThem() {
        assertThat(get(restricted, "/metrics", "10.1.2.3").raw().body()).contains("jvm_");
        assertThat(get(restricted, "/health/detailed", "203.0.113.9, 10.1.2.3").json().path("checks").has("database")).isTrue();
    }

    @Test
    void theProbesOfBalancersStayOpenToEveryone() {
        for (String path : new String[] {"/health", "/health/live", "/health/ready"}) {
            assertThat(get(restricted, path, "203.0.113.9").status()).as(path).isEqualTo(200);
        }
    }

    @Test
    void byDefaultLoopbackAndPrivateAddressesAreAllowedAndPublicOnesAreNot() {
        assertThat(get(defaults, "/metrics", null).status()).isEqualTo(200);
        assertThat(get(defaults, "/health/detailed", "192.168.7.7").status()).isEqualTo(200);
        assertThat(get(defaults, "/metrics", "172.20.0.5").status()).isEqualTo(200);
        assertThat(get(defaults, "/metrics", "203.0.113.9").status()).isEqualTo(403);
        assertThat(get(defaults, "/health/detailed", "2001:db8::1").status()).isEqualTo(403);
    }
}
