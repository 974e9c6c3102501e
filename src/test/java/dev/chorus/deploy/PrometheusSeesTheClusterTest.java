package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.PrometheusServer;
import dev.chorus.support.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What {@code bin/chorus up --monitoring} runs: a real Prometheus on deploy/prometheus's scrape config and alert
 * rules, with the instances as file targets (as bin/lib/monitoring.sh writes them), scraping two instance processes.
 * Only the intervals are shortened (2 s scrapes, 1 s evaluations); the rules are the shipped ones. Both instances are
 * up and run one build; after a SIGKILL, ChorusInstanceDown fires for the dead one, and only for it.
 */
@Tag("process")
class PrometheusSeesTheClusterTest {

    @TempDir
    Path dir;

    @Test
    void aKilledInstanceRaisesInstanceDownForItAlone() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            List<ChorusProcess> instances = cluster.startProcesses("mon-1", "mon-2");
            ChorusProcess victim = instances.get(1);
            configure(instances);
            try (PrometheusServer prometheus = PrometheusServer.start(dir)) {
                Await.until(Duration.ofSeconds(60), "both instances scraped and up", () -> upInstances(prometheus),
                        up -> up.equals(Set.of("mon-1", "mon-2")));
                assertThat(prometheus.query("count(count by (commit, dirty, build_time) (chorus_build_info{job=\"chorus\"}))")
                        .path(0).path("value").path(1).asString()).as("one build on both").isEqualTo("1");
                assertThat(firing(prometheus, "ChorusInstanceDown")).isEmpty();

                victim.kill();
                long killed = System.nanoTime();
                Set<String> down = Await.until(Duration.ofSeconds(120), "ChorusInstanceDown firing for mon-2",
                        () -> firing(prometheus, "ChorusInstanceDown"), f -> f.contains("mon-2"));
                System.out.printf("ChorusInstanceDown fired %d s after the SIGKILL (rule: for 30s)%n",
                        (System.nanoTime() - killed) / 1_000_000_000);
                assertThat(down).containsExactly("mon-2");
                assertThat(upInstances(prometheus)).containsExactly("mon-1");
            }
        }
    }

    /** deploy/prometheus as shipped, with short intervals, and the instances as file targets. */
    void configure(List<ChorusProcess> instances) throws Exception {
        Path shipped = Path.of("deploy", "prometheus");
        String config = Files.readString(shipped.resolve("prometheus.yml"))
                .replace("scrape_interval: 15s", "scrape_interval: 2s").replace("scrape_timeout: 5s", "scrape_timeout: 2s")
                .replace("evaluation_interval: 15s", "evaluation_interval: 1s").replace("refresh_interval: 30s", "refresh_interval: 1s");
        assertThat(config).contains("scrape_interval: 2s", "evaluation_interval: 1s", "scrape_timeout: 2s");
        Files.writeString(dir.resolve("prometheus.yml"), config);
        Files.copy(shipped.resolve("alerts.yml"), dir.resolve("alerts.yml"));
        StringBuilder targets = new StringBuilder("[");
        for (ChorusProcess instance : instances) {
            targets.append(targets.length() > 1 ? "," : "").append("{\"targets\":[\"127.0.0.1:").append(instance.port())
                    .append("\"],\"labels\":{\"instance\":\"").append(instance.id()).append("\"}}");
        }
        Files.createDirectories(dir.resolve("targets"));
        Files.writeString(dir.resolve("targets/chorus.json"), targets.append("]").toString());
    }

    static Set<String> upInstances(PrometheusServer prometheus) {
        Set<String> up = new HashSet<>();
        for (JsonNode series : prometheus.query("up{job=\"chorus\"} == 1")) {
            up.add(series.path("metric").path("instance").asString());
        }
        return up;
    }

    static Set<String> firing(PrometheusServer prometheus, String alert) {
        Set<String> instances = new HashSet<>();
        for (JsonNode a : prometheus.alerts()) {
            if (alert.equals(a.path("labels").path("alertname").asString()) && "firing".equals(a.path("state").asString())) {
                instances.add(a.path("labels").path("instance").asString());
            }
        }
        return instances;
    }
}
