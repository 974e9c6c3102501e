package dev.chorus.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs one measurement of {@code bin/chorus bench http} (wrk and its script, whose last output line is JSON) and adds
 * to that line what the requests cost: {@code "cost":{"instancesCpuUsPerRequest", "nginxCpuUsPerRequest",
 * "machineCpuUsPerRequest", "machineCpuPct", "loadAverage1m":[before, after]}}. Instance and nginx CPU are user +
 * system time of their processes (every thread; nginx's workers, not its idle master) from /proc; the machine's
 * figures come from /proc/stat and include wrk, PostgreSQL and Redis. On a shared machine req/s swing with the
 * neighbours' load, CPU per request much less, which is why it is reported next to them.
 *
 * <pre>HttpBenchRun --run-dir .chorus/bench --instances 3 -- wrk -t 2 -c 64 -d 30s -s bench-http.lua http://...</pre>
 */
public final class HttpBenchRun {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** CPU ticks of the instances and of nginx, the machine's counters and the load average at one moment. */
    record Snapshot(long instanceTicks, long nginxTicks, CpuMeter.Sample machine, double loadAverage) {
    }

    private HttpBenchRun() {
    }

    public static void main(String[] argv) throws Exception {
        int split = Arrays.asList(argv).indexOf("--");
        if (split != 4 || !argv[0].equals("--run-dir") || !argv[2].equals("--instances") || split + 1 >= argv.length) {
            System.err.println("usage: HttpBenchRun --run-dir DIR --instances N -- wrk ARGS...");
            System.exit(2);
        }
        Path runDir = Path.of(argv[1]);
        List<InstanceProcess> instances = new ArrayList<>();
        for (int i = 1; i <= Integer.parseInt(argv[3]); i++) {
            instances.add(new InstanceProcess(runDir, "bench-" + i));
        }
        long nginx = Long.parseLong(Files.readString(runDir.resolve("lb/nginx.pid")).trim());
        Snapshot before = snapshot(instances, nginx);
        Process wrk = new ProcessBuilder(Arrays.copyOfRange(argv, split + 1, argv.length))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = wrk.waitFor();
        Snapshot after = snapshot(instances, nginx);
        if (status != 0) {
            System.err.print(output);
            throw new IllegalStateException("wrk exited with " + status);
        }
        System.out.println(withCost(output, before, after, InstanceProcess.ticksPerSecond()));
    }

    /** The last JSON line of wrk's output with {@code "cost"} added, for the requests that line counts. */
    static String withCost(String wrkOutput, Snapshot before, Snapshot after, long ticksPerSecond) {
        ObjectNode line = lastJsonLine(wrkOutput);
        long requests = line.path("requests").asLong();
        CpuMeter.Use machine = CpuMeter.between(before.machine(), after.machine());
        ObjectNode cost = line.putObject("cost");
        cost.put("instancesCpuUsPerRequest", round(perRequest(after.instanceTicks() - before.instanceTicks(), ticksPerSecond, requests)));
        cost.put("nginxCpuUsPerRequest", round(perRequest(after.nginxTicks() - before.nginxTicks(), ticksPerSecond, requests)));
        cost.put("machineCpuUsPerRequest", round(machine.microsPer(requests)));
        cost.put("machineCpuPct", round(machine.machinePct()));
        cost.putArray("loadAverage1m").add(before.loadAverage()).add(after.loadAverage());
        return JSON.writeValueAsString(line);
    }

    static ObjectNode lastJsonLine(String output) {
        List<String> lines = output.lines().map(String::trim).filter(l -> l.startsWith("{")).toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("wrk printed no JSON line: " + output);
        }
        JsonNode node = JSON.readTree(lines.getLast());
        if (!(node instanceof ObjectNode object) || !node.path("requests").isNumber()) {
            throw new IllegalArgumentException("wrk's JSON line has no request count: " + lines.getLast());
        }
        return object;
    }

    static double perRequest(long ticks, long ticksPerSecond, long requests) {
        return requests == 0 ? 0 : ticks * 1e6 / ticksPerSecond / requests;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private static Snapshot snapshot(List<InstanceProcess> instances, long nginxMaster) throws IOException {
        long instanceTicks = 0;
        for (InstanceProcess instance : instances) {
            instanceTicks += instance.cpuTicks();
        }
        long nginxTicks = 0;
        for (ProcessHandle worker : ProcessHandle.of(nginxMaster).map(p -> p.children().toList()).orElse(List.of())) {
            nginxTicks += InstanceProcess.cpuTicks(Files.readString(Path.of("/proc/" + worker.pid() + "/stat")));
        }
        return new Snapshot(instanceTicks, nginxTicks, CpuMeter.sample(), InstanceProcess.loadAverage());
    }
}
