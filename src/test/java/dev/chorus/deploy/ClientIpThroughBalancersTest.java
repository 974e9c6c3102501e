package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.TestCluster;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client IP behind the real nginx and HAProxy of deploy/ (TRUSTED_PROXIES = the balancer's address): callers on
 * loopback addresses of their own (127.0.0.2, ...) send made-up X-Forwarded-For values, in one line or several, and
 * still are the address they connect from: the per-address limit holds, and so does OPS_ALLOWED_CIDRS.
 */
class ClientIpThroughBalancersTest {

    static final int PER_IP = 3;
    /** The only caller allowed to read /metrics and /health/detailed. */
    static final String OPERATOR = "127.0.0.100";

    static TestCluster cluster;
    static ChorusProcess instance;
    static final Map<Balancer.Kind, Balancer> balancers = new EnumMap<>(Balancer.Kind.class);

    @BeforeAll
    static void start() {
        cluster = new TestCluster().with("TRUSTED_PROXIES", "127.0.0.1/32").with("RATE_LIMIT_PER_IP", Integer.toString(PER_IP))
                .with("RATE_LIMIT_PER_USER", "0").with("OPS_ALLOWED_CIDRS", OPERATOR + "/32");
        instance = cluster.startProcess("ip-1");
        for (Balancer.Kind kind : Balancer.Kind.values()) {
            balancers.put(kind, Balancer.start(kind, Map.of("ip-1", instance.port())));
        }
    }

    @AfterAll
    static void stop() {
        balancers.values().forEach(Balancer::close);
        cluster.close();
    }

    /** A caller connecting to the balancer from {@code address}. */
    static Api from(Balancer.Kind kind, String address) {
        try {
            return new Api("http://127.0.0.1:" + balancers.get(kind).port(), InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Two distinct caller addresses per balancer, so that the balancers' tests do not share buckets. */
    static String caller(Balancer.Kind kind, int which) {
        return "127.0.0." + (2 + kind.ordinal() * 2 + which);
    }

    static String randomAddress() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return r.nextInt(1, 224) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(1, 255);
    }

    static Response get(Api api, String path, String... forwardedForLines) {
        HttpRequest.Builder request = api.request(path, null).GET();
        for (String line : forwardedForLines) {
            request.header("X-Forwarded-For", line);
        }
        return api.send(request);
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void spoofedAndDuplicatedForwardedForHeadersDoNotEscapeThePerAddressLimit(Balancer.Kind kind) {
        Api spoofer = from(kind, caller(kind, 0));
        String[][] disguises = {
                {randomAddress()},
                {randomAddress(), randomAddress()},
                {randomAddress() + ", " + randomAddress(), OPERATOR},
        };
        for (String[] lines : disguises) {
            Response r = get(spoofer, "/api/users/me", lines);
            assertThat(r.status()).as("%s with X-Forwarded-For %s", kind, String.join(" | ", lines)).isEqualTo(401);
        }
        Response limited = get(spoofer, "/api/users/me", randomAddress(), caller(kind, 1));
        assertThat(limited.status()).as(limited.toString()).isEqualTo(429);
        assertThat(limited.text("error")).isEqualTo("rate_limited");
        assertThat(get(spoofer, "/api/users/me", "unknown, " + UUID.randomUUID()).status()).isEqualTo(429);

        Api neighbour = from(kind, caller(kind, 1));
        assertThat(get(neighbour, "/api/users/me", caller(kind, 0)).status())
                .as("another address, even one claiming to be the spoofer, has its own bucket").isEqualTo(401);
    }

    @ParameterizedTest
    @EnumSource(Balancer.Kind.class)
    void onlyTheAllowedAddressReadsMetricsAndDetailedHealthThroughTheBalancer(Balancer.Kind kind) {
        Api outsider = from(kind, caller(kind, 1));
        for (String path : new String[] {"/metrics", "/health/detailed"}) {
            Response refused = get(outsider, path, OPERATOR);
            assertThat(refused.status()).as("%s %s claiming to be the operator", kind, path).isEqualTo(403);
            assertThat(refused.text("error")).isEqualTo("forbidden");
            assertThat(get(outsider, path, OPERATOR, OPERATOR + ", " + OPERATOR).status()).isEqualTo(403);
        }
        for (String path : new String[] {"/health", "/health/live", "/health/ready"}) {
            assertThat(get(outsider, path).status()).as("%s %s", kind, path).isEqualTo(200);
        }
        Api operator = from(kind, OPERATOR);
        assertThat(get(operator, "/metrics").raw().body()).contains("jvm_");
        assertThat(get(operator, "/health/detailed", randomAddress()).status()).isEqualTo(200);
    }
}
