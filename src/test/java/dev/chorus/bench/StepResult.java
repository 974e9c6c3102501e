package dev.chorus.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured stretch of publishing at a fixed rate, after its drain. {@code published} counts acknowledged
 * messages; {@code sendErrors} counts error frames, failed sends and sends never answered; {@code clientBacklog} is
 * how many sends still waited in this client's per-socket queues when the publishing time was up.
 */
record StepResult(int rate, int durationS, long published, long sendErrors, long clientBacklog, long closedSockets,
        long expected, long delivered, double lossPct, long deliveriesPerS, double p50Ms, double p95Ms, double p99Ms,
        double maxMs, double machineCpuPct, double cpuUsPerDelivery, double clientCpuUsPerDelivery, boolean passed) {

    /** What the counters of a step add up to; {@code passed} is left false for the rule to decide. */
    static StepResult of(int rate, int durationS, StepCounters counters, long expected, double elapsedS,
            CpuMeter.Use cpu) {
        long delivered = counters.delivered();
        LatencyHistogram latencies = counters.latencies();
        double loss = expected == 0 ? 0 : Math.max(0, (expected - delivered) * 100.0 / expected);
        return new StepResult(rate, durationS, counters.acked(), counters.sendErrors(), counters.backlog(),
                counters.closedSockets(), expected, delivered, round(loss, 3), Math.round(delivered / elapsedS),
                ms(latencies.percentileNanos(0.50)), ms(latencies.percentileNanos(0.95)),
                ms(latencies.percentileNanos(0.99)), ms(latencies.maxNanos()), round(cpu.machinePct(), 1),
                round(cpu.microsPer(delivered), 2), round(cpu.clientMicrosPer(delivered), 2), false);
    }

    StepResult judged(RampRule rule) {
        return new StepResult(rate, durationS, published, sendErrors, clientBacklog, closedSockets, expected,
                delivered, lossPct, deliveriesPerS, p50Ms, p95Ms, p99Ms, maxMs, machineCpuPct, cpuUsPerDelivery,
                clientCpuUsPerDelivery, rule.passes(this));
    }

    Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rate", rate);
        out.put("duration_s", durationS);
        out.put("published", published);
        out.put("send_errors", sendErrors);
        out.put("client_backlog", clientBacklog);
        out.put("closed_sockets", closedSockets);
        out.put("expected", expected);
        out.put("delivered", delivered);
        out.put("loss_pct", lossPct);
        out.put("deliveries_per_s", deliveriesPerS);
        out.put("p50_ms", p50Ms);
        out.put("p95_ms", p95Ms);
        out.put("p99_ms", p99Ms);
        out.put("max_ms", maxMs);
        out.put("machine_cpu_pct", machineCpuPct);
        out.put("cpu_us_per_delivery", cpuUsPerDelivery);
        out.put("client_cpu_us_per_delivery", clientCpuUsPerDelivery);
        out.put("passed", passed);
        return out;
    }

    private static double ms(long nanos) {
        return round(nanos / 1e6, 2);
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
