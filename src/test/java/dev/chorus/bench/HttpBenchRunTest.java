package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class HttpBenchRunTest {

    private static final String WRK_OUTPUT = """
            Running 30s test @ http://127.0.0.1:9080
              2 threads and 64 connections
            {"benchmark":"http","profile":"read","requests":10000,"rps":333,"p99Ms":12.5}
            """;
    // 400 machine ticks pass, 250 of them busy, over 2 s on 2 CPUs: 62.5 % busy, 2.5 CPU-seconds.
    private static final CpuMeter.Sample MACHINE_BEFORE = new CpuMeter.Sample(1_500, 10_000, 2, 0, 0);
    private static final CpuMeter.Sample MACHINE_AFTER = new CpuMeter.Sample(1_750, 10_400, 2, 2_000_000_000L, 0);

    @Test
    void theCostOfTheRequestsIsAddedToWrksLastJsonLine() {
        // instances 150 ticks (1.5 s at 100 per second) and nginx 20 ticks over 10,000 requests
        String line = HttpBenchRun.withCost(WRK_OUTPUT, new HttpBenchRun.Snapshot(1_000, 100, MACHINE_BEFORE, 1.5),
                new HttpBenchRun.Snapshot(1_150, 120, MACHINE_AFTER, 2.25), 100);
        JsonNode json = JsonMapper.builder().build().readTree(line);
        assertThat(json.path("profile").asString()).isEqualTo("read");
        assertThat(json.path("p99Ms").asDouble()).isEqualTo(12.5);
        JsonNode cost = json.path("cost");
        assertThat(cost.path("instancesCpuUsPerRequest").asDouble()).isEqualTo(150.0);
        assertThat(cost.path("nginxCpuUsPerRequest").asDouble()).isEqualTo(20.0);
        assertThat(cost.path("machineCpuUsPerRequest").asDouble()).isEqualTo(250.0);
        assertThat(cost.path("machineCpuPct").asDouble()).isEqualTo(62.5);
        assertThat(cost.path("loadAverage1m").get(0).asDouble()).isEqualTo(1.5);
        assertThat(cost.path("loadAverage1m").get(1).asDouble()).isEqualTo(2.25);
    }

    @Test
    void noRequestsCostNothingPerRequestRatherThanInfinity() {
        assertThat(HttpBenchRun.perRequest(500, 100, 0)).isZero();
    }

    @Test
    void outputWithoutAJsonLineIsRefused() {
        assertThatThrownBy(() -> HttpBenchRun.lastJsonLine("unable to connect to 127.0.0.1:9080\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no JSON line");
    }

    @Test
    void aJsonLineWithoutARequestCountIsRefused() {
        assertThatThrownBy(() -> HttpBenchRun.lastJsonLine("{\"rps\":12}\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("request count");
    }
}
