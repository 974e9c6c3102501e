package dev.chorus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/** Health endpoints, request ids, instance ids, metrics and JSON logs as SPEC §3 "Operations" and §6 say. */
@ExtendWith(OutputCaptureExtension.class)
class HealthAndHeadersTest {

    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        api = cluster.start("health-1", Map.of(), "--logging.level.dev.chorus.access=DEBUG").api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void healthSaysOkWithInstanceIdAndTimestamp() {
        Response r = api.get("/health", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text("status")).isEqualTo("ok");
        assertThat(r.text("instanceId")).isEqualTo("health-1");
        assertThat(r.text("timestamp")).isNotBlank();
    }

    @Test
    void livenessChecksNoDependency() {
        Response r = api.get("/health/live", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("alive").asBoolean()).isTrue();
        assertThat(r.json().path("uptime").isNumber()).isTrue();
        assertThat(r.text("timestamp")).isNotBlank();
    }

    @Test
    void readinessIsTrueWhenDatabaseAndRedisAnswer() {
        Response r = api.get("/health/ready", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("ready").asBoolean()).isTrue();
    }

    @Test
    void detailedHealthHasEveryFieldOfTheSpec() {
        JsonNode body = api.get("/health/detailed", null).json();
        assertThat(body.path("status").asString()).isEqualTo("ok");
        assertThat(body.path("instanceId").asString()).isEqualTo("health-1");
        assertThat(body.has("version")).isTrue();
        assertThat(body.path("uptime").isNumber()).isTrue();
        assertThat(body.path("leader").isBoolean()).isTrue();
        assertThat(body.path("checks").path("database").path("status").asString()).isEqualTo("up");
        assertThat(body.path("checks").path("database").path("latencyMs").isNumber()).isTrue();
        assertThat(body.path("checks").path("redis").path("status").asString()).isEqualTo("up");
        assertThat(body.path("checks").has("kafka")).isTrue();
        assertThat(body.path("websocketConnections").isNumber()).isTrue();
        assertThat(body.path("dbPool").path("max").asInt()).isEqualTo(5);
        assertThat(body.path("dbPool").has("active")).isTrue();
        assertThat(body.path("dbPool").has("idle")).isTrue();
    }

    @Test
    void everyResponseCarriesInstanceAndRequestIdsErrorsIncluded() {
        for (Response r : new Response[] {api.get("/health", null), api.get("/api/users/me", null),
                api.get("/api/nothing-here", null), api.postRaw("/api/auth/login", null, "{", "application/json")}) {
            assertThat(r.header("X-Instance-ID")).as(r.toString()).isEqualTo("health-1");
            assertThat(r.header("X-Request-ID")).as(r.toString()).isNotBlank();
            if (r.status() >= 400) {
                assertThat(r.text("requestId")).isEqualTo(r.header("X-Request-ID"));
                assertThat(r.text("error")).isNotBlank();
                assertThat(r.text("message")).isNotBlank();
            }
        }
    }

    @Test
    void aSaneCallerRequestIdIsKeptAndAnInsaneOneReplaced() {
        Response kept = api.send(api.request("/api/users/me", null).header("X-Request-ID", "trace-42.abc").GET());
        assertThat(kept.header("X-Request-ID")).isEqualTo("trace-42.abc");
        assertThat(kept.text("requestId")).isEqualTo("trace-42.abc");
        Response replaced = api.send(api.request("/health", null).header("X-Request-ID", "bad id <script>").GET());
        assertThat(replaced.header("X-Request-ID")).isNotEqualTo("bad id <script>").matches("[0-9a-f-]{36}");
    }

    @Test
    void logLinesAreJsonWithInstanceIdAndRequestId(CapturedOutput output) {
        api.send(api.request("/api/users/me", null).header("X-Request-ID", "log-line-check-7").GET());
        // The access log line is written after the response has gone out, so it may follow the response by a moment.
        String line = Await.until(Duration.ofSeconds(5), "the access log line of the request", () -> output.getOut().lines()
                .filter(l -> l.contains("log-line-check-7")).findFirst().orElse(null), found -> found != null);
        JsonNode json = Api.JSON.readTree(line);
        assertThat(json.path("requestId").asString()).isEqualTo("log-line-check-7");
        assertThat(json.path("instanceId").asString()).isEqualTo("health-1");
        assertThat(json.path("message").asString()).contains("/api/users/me").contains("401");
    }

    @Test
    void theWebPageIsServedAtTheRootWithoutLogin() {
        Response page = api.get("/", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.raw().body()).contains("/api/auth/login").contains("/app/chorus-client.js")
                .as("the page authenticates its socket with a first auth frame, never in the URL").doesNotContain("access_token");
        Response client = api.get("/app/chorus-client.js", null);
        assertThat(client.status()).isEqualTo(200);
        assertThat(client.raw().body()).contains("export class ChorusClient");
    }

    @Test
    void metricsAreExposedInPrometheusFormat() {
        Api.Session user = api.newUser("metrics");
        String group = api.createGroup(user.accessToken(), "m");
        api.post("/api/messages", user.accessToken(), Map.of("content", "x", "targetType", "group", "targetIds", java.util.List.of(group)));
        Response r = api.get("/metrics", null);
        assertThat(r.status()).isEqualTo(200);
        String text = r.raw().body();
        assertThat(text).contains("http_server_requests_seconds_bucket")
                .contains("chorus_messages_accepted_total")
                .contains("chorus_messages_persisted_total")
                .contains("hikaricp_connections_active")
                .contains("hikaricp_connections_idle")
                .contains("hikaricp_connections_pending")
                .contains("lettuce_command_completion_seconds_count");
    }

}
