package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * deploy/prometheus and deploy/grafana: Prometheus's own checker accepts the scrape config and the rules, the rules'
 * unit tests pass (each alert fires from synthetic series), every alert has such a test, and every metric the
 * dashboard and the rules name is exported by a live instance. A rule broken on purpose fails these checks.
 */
class MonitoringKitTest {

    static final Path PROMETHEUS = Path.of("deploy", "prometheus");
    static final Path DASHBOARD = Path.of("deploy", "grafana", "chorus.json");
    /** Named by the rules or the dashboard without being an instance's: Prometheus's own, and the kafka pipeline's. */
    static final Set<String> NOT_FROM_THIS_INSTANCE = Set.of("up", "chorus_kafka_consumer_lag");

    @TempDir
    Path tmp;

    record Result(int exit, String output) {
    }

    static Result promtool(Path dir, String... args) throws IOException, InterruptedException {
        String promtool = DeployKitTest.tool("/usr/bin/promtool", "prometheus");
        List<String> command = new ArrayList<>(List.of(promtool));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish: " + output);
        }
        return new Result(p.exitValue(), output);
    }

    @Test
    void promtoolAcceptsTheScrapeConfigAndTheRulesAndTheirUnitTestsPass() throws Exception {
        Result config = promtool(PROMETHEUS, "check", "config", "prometheus.yml");
        assertThat(config.exit()).as(config.output()).isZero();
        Result rules = promtool(PROMETHEUS, "check", "rules", "alerts.yml");
        assertThat(rules.exit()).as(rules.output()).isZero();
        assertThat(rules.output()).contains("SUCCESS: " + alerts().size() + " rules found");
        Result tests = promtool(PROMETHEUS, "test", "rules", "alerts.test.yml");
        assertThat(tests.exit()).as(tests.output()).isZero();
        assertThat(tests.output()).contains("SUCCESS");
    }

    @Test
    void aRuleBrokenOnPurposeFailsTheChecks() throws Exception {
        Files.copy(PROMETHEUS.resolve("alerts.test.yml"), tmp.resolve("alerts.test.yml"));
        String shipped = Files.readString(PROMETHEUS.resolve("alerts.yml"));
        Files.writeString(tmp.resolve("alerts.yml"), shipped.replace("expr: up{job=\"chorus\"} == 0", "expr: up{job=\"chorus\"} == 0)"));
        assertThat(promtool(tmp, "check", "rules", "alerts.yml").exit()).as("a syntax error").isNotZero();

        Files.writeString(tmp.resolve("alerts.yml"), shipped.replace("expr: up{job=\"chorus\"} == 0\n        for: 30s",
                "expr: up{job=\"chorus\"} == 0\n        for: 5m"));
        assertThat(Files.readString(tmp.resolve("alerts.yml"))).isNotEqualTo(shipped);
        Result late = promtool(tmp, "test", "rules", "alerts.test.yml");
        assertThat(late.exit()).as("an instance-down alert that waits 5 minutes: %s", late.output()).isNotZero();
        assertThat(late.output()).contains("ChorusInstanceDown");
    }

    @Test
    void everyAlertHasASeverityAndAUnitTestThatFiresIt() throws Exception {
        List<Map<String, Object>> alerts = alerts();
        for (Map<String, Object> alert : alerts) {
            Object severity = ((Map<?, ?>) alert.get("labels")).get("severity");
            assertThat(severity).as("%s", alert.get("alert")).isIn("critical", "warning");
            assertThat(((Map<?, ?>) alert.get("annotations")).get("summary")).as("%s", alert.get("alert")).isNotNull();
        }
        Set<String> names = alerts.stream().map(a -> a.get("alert").toString()).collect(Collectors.toCollection(TreeSet::new));
        assertThat(names).contains("ChorusInstanceDown", "ChorusHigh5xxRate", "ChorusErrorRate", "ChorusDatabaseSlow",
                "ChorusSlowQueries", "ChorusDbPoolNearlyFull", "ChorusHighCpu", "ChorusKafkaConsumerLag",
                "ChorusRedisConnectionFailures", "ChorusLockContention", "ChorusFanOutSlow", "ChorusBusStalled",
                "ChorusLeaderFlapping", "ChorusMixedBuilds");
        Map<String, Object> tests = new Yaml().load(Files.readString(PROMETHEUS.resolve("alerts.test.yml")));
        Set<String> fired = new TreeSet<>();
        for (Object test : (List<?>) tests.get("tests")) {
            for (Object check : (List<?>) ((Map<?, ?>) test).get("alert_rule_test")) {
                Map<?, ?> c = (Map<?, ?>) check;
                if (!((List<?>) c.get("exp_alerts")).isEmpty()) {
                    fired.add(c.get("alertname").toString());
                }
            }
        }
        assertThat(fired).as("alerts some unit test fires").isEqualTo(names);
    }

    @Test
    void everyMetricTheDashboardAndTheRulesNameIsExportedByALiveInstance() throws Exception {
        Map<String, Set<String>> wanted = new java.util.TreeMap<>();
        JsonNode dashboard = Api.JSON.readTree(Files.readString(DASHBOARD));
        assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(12);
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets").size()).as(panel.path("title").asString()).isPositive();
            for (JsonNode target : panel.path("targets")) {
                PromQl.metricNames(target.path("expr").asString())
                        .forEach(m -> wanted.computeIfAbsent(m, k -> new TreeSet<>()).add("dashboard: " + panel.path("title").asString()));
            }
        }
        for (Map<String, Object> alert : alerts()) {
            PromQl.metricNames(alert.get("expr").toString())
                    .forEach(m -> wanted.computeIfAbsent(m, k -> new TreeSet<>()).add("alert " + alert.get("alert")));
        }
        assertThat(wanted.keySet()).contains("http_server_requests_seconds_bucket", "chorus_websocket_connections",
                "chorus_messages_delivered_total", "chorus_fanout_latency_seconds_bucket", "hikaricp_connections_active",
                "lettuce_command_completion_seconds_sum", "chorus_leader", "chorus_locks_acquisitions_total",
                "chorus_kafka_consumer_lag", "chorus_build_info");
        assertThat(wanted.keySet()).as("names no instance exports, by design").containsAll(NOT_FROM_THIS_INSTANCE);

        try (TestCluster cluster = new TestCluster().with("RATE_LIMIT_LOGIN", "1")) {
            Api api = cluster.start("metrics-1").api();
            Api.Session ada = api.newUser("ada");
            api.createGroup(ada.accessToken(), "metrics");
            for (int i = 0; i < 2; i++) { // the second wrong password is refused by the login limit: a rejection counted
                api.post("/api/auth/login", null, Map.of("email", "nobody@example.test", "password", "wrong password"));
            }
            Set<String> expected = new LinkedHashSet<>(wanted.keySet());
            expected.removeAll(NOT_FROM_THIS_INSTANCE);
            Await.until(Duration.ofSeconds(30), "every metric named by the dashboard and the rules on /metrics",
                    () -> missing(expected, exported(api), wanted), Map::isEmpty);
        }
    }

    static Map<String, Set<String>> missing(Set<String> expected, Set<String> exported, Map<String, Set<String>> users) {
        Map<String, Set<String>> missing = new java.util.TreeMap<>();
        expected.stream().filter(m -> !exported.contains(m)).forEach(m -> missing.put(m, users.get(m)));
        return missing;
    }

    /** The names of the samples of a live /metrics (histogram series included: _bucket, _count, _sum, _max). */
    static Set<String> exported(Api api) {
        Api.Response metrics = api.get("/metrics", null);
        assertThat(metrics.status()).isEqualTo(200);
        return metrics.raw().body().lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toSet());
    }

    @Test
    void promQlMetricNamesSkipFunctionsLabelsRangesAndKeywords() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, instance) (rate(a_bucket{job=\"x\",le!=\"1\"}[$__rate_interval])))"))
                .containsExactly("a_bucket");
        assertThat(PromQl.metricNames("max(b) > 1 or count(count by (commit) (c{job=\"chorus\"})) > 1 and on (x) d offset 5m"))
                .containsExactly("b", "c", "d");
        assertThat(PromQl.metricNames("sum(rate(e_total[5m])) / sum without (uri) (rate(f_total{uri!~\"/health.*|x(y)\"}[5m])) > 0.05"))
                .containsExactly("e_total", "f_total");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> alerts() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(PROMETHEUS.resolve("alerts.yml")));
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (Object group : (List<?>) file.get("groups")) {
            alerts.addAll((List<Map<String, Object>>) ((Map<?, ?>) group).get("rules"));
        }
        return alerts;
    }
}
