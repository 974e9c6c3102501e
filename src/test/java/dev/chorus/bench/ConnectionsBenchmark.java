package dev.chorus.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import tools.jackson.databind.json.JsonMapper;

/**
 * Connection capacity benchmark (a program, not a test; {@code bin/chorus bench connections} runs it): opens
 * {@code --count} idle, authenticated sockets, each subscribed to one group, through the balancer (or with
 * {@code --direct} to bench-1), and measures what they cost the instances: live heap after a full GC before and after
 * (jcmd GC.class_histogram, which also names the classes that grew), resident memory, connect rate and failures, CPU
 * at rest. With {@code --storm} it then stops each instance in turn with SIGTERM (bin/chorus starts it again): its
 * sockets close with 1012 and reconnect through the balancer with afterSeq; it reports how long until all were back,
 * the failures and the peak CPU. Prints one JSON line on stdout.
 *
 * <pre>bin/chorus bench connections --count 20000 --instances 1</pre>
 */
public final class ConnectionsBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TOP_CLASSES = 40;
    private static final Duration SETTLE = Duration.ofSeconds(300);

    private final ConnectionsOptions options;
    private final List<InstanceProcess> instances = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private ConnectionsBenchmark(ConnectionsOptions options) {
        this.options = options;
        for (int i = 1; i <= options.instances(); i++) {
            instances.add(new InstanceProcess(options.runDir(), "bench-" + i));
        }
    }

    public static void main(String[] argv) throws Exception {
        ConnectionsOptions options;
        try {
            options = ConnectionsOptions.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("bench connections: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            System.out.println(JSON.writeValueAsString(new ConnectionsBenchmark(options).run()));
            System.exit(0);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private Map<String, Object> run() throws Exception {
        String target = options.direct() ? "http://127.0.0.1:" + port("bench-1") : options.url();
        List<String[]> sockets = fixture(UUID.randomUUID().toString().substring(0, 8));
        List<HeapHistogram> before = instances.stream().map(InstanceProcess::histogram).toList();
        long rssBefore = instances.stream().mapToLong(InstanceProcess::rssBytes).sum();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("count", options.count());
        result.put("instances", options.instances());
        result.put("via", options.direct() ? "direct to bench-1" : "balancer");
        try (IdleSockets idle = new IdleSockets(target, options.connecting(), options.jitterMs())) {
            BenchLog.say("opening " + options.count() + " sockets to " + target);
            long start = System.nanoTime();
            for (String[] socket : sockets) {
                idle.open(socket[0], socket[1]);
            }
            boolean settled = idle.settled(SETTLE.toMillis(), options.connecting());
            double connectS = (System.nanoTime() - start) / 1e9;
            BenchLog.say(idle.open() + " open after " + Math.round(connectS) + " s, failures " + idle.failures()
                    + (settled ? "" : " (some handshakes still pending)"));
            result.put("socketsOpen", idle.open());
            result.put("failures", idle.failures());
            result.put("connectSeconds", round(connectS));
            result.put("connectPerSecond", round(idle.open() / connectS));
            idleFor(options.idleS());
            List<HeapHistogram> after;
            try {
                after = instances.stream().map(InstanceProcess::histogram).toList();
            } catch (RuntimeException wedged) {
                // An instance whose heap is full may not even answer jcmd: say so, with what else can be measured.
                result.put("heapError", wedged.getMessage());
                result.put("rssAfter", instances.stream().mapToLong(InstanceProcess::rssBytes).sum());
                result.put("atRest", atRest(instances));
                return result;
            }
            long heapBefore = before.stream().mapToLong(HeapHistogram::totalBytes).sum();
            long heapAfter = after.stream().mapToLong(HeapHistogram::totalBytes).sum();
            long rssAfter = instances.stream().mapToLong(InstanceProcess::rssBytes).sum();
            result.put("heapUsedBefore", heapBefore);
            result.put("heapUsedAfter", heapAfter);
            result.put("heapBytesPerSocket", Math.round((double) (heapAfter - heapBefore) / Math.max(1, idle.open())));
            result.put("rssBefore", rssBefore);
            result.put("rssAfter", rssAfter);
            result.put("rssBytesPerSocket", Math.round((double) (rssAfter - rssBefore) / Math.max(1, idle.open())));
            result.put("socketsStillOpen", idle.open());
            result.put("atRest", atRest(instances));
            result.put("grownPerSocket", HeapHistogram.perSocket(grown(before, after), idle.open()));
            if (options.storm()) {
                result.put("storm", storms(idle, before));
            }
        }
        return result;
    }

    /** Users, groups and memberships through the API: one [token, groupId] per socket. */
    private List<String[]> fixture(String runId) {
        BenchApi api = new BenchApi(options.url());
        int users = options.users();
        BenchLog.say("creating " + users + " users and " + Math.min(users, options.groups()) + " groups");
        List<String> emails = IntStream.range(0, users).mapToObj(u -> "conns-" + runId + "-" + u + "@example.test").toList();
        List<String> tokens = BenchApi.inParallel(users, u -> api.newUser(emails.get(u)).path("accessToken").asString());
        List<String> groups = BenchApi.inParallel(Math.min(users, options.groups()),
                g -> api.createGroup(tokens.getFirst(), "conns " + runId + " " + g));
        BenchApi.inParallel(users - 1, i -> {
            api.addMember(tokens.getFirst(), groups.get(options.groupOfUser(i + 1)), emails.get(i + 1));
            return i;
        });
        return IntStream.range(0, options.count()).mapToObj(s -> new String[] {tokens.get(options.userOf(s)),
                groups.get(options.groupOfUser(options.userOf(s)))}).toList();
    }

    private List<HeapHistogram.Growth> grown(List<HeapHistogram> before, List<HeapHistogram> after) {
        Map<String, long[]> sum = new LinkedHashMap<>();
        for (int i = 0; i < before.size(); i++) {
            for (HeapHistogram.Growth g : after.get(i).grownSince(before.get(i), Integer.MAX_VALUE)) {
                long[] s = sum.computeIfAbsent(g.className(), c -> new long[2]);
                s[0] += g.bytes();
                s[1] += g.instances();
            }
        }
        return sum.entrySet().stream().map(e -> new HeapHistogram.Growth(e.getKey(), e.getValue()[0], e.getValue()[1]))
                .sorted((a, b) -> Long.compare(b.bytes(), a.bytes())).limit(TOP_CLASSES).toList();
    }

    /** Each instance's CPU over the rest period, in % of one core, and the machine's load average meanwhile. */
    private Map<String, Object> atRest(List<InstanceProcess> instances) throws InterruptedException {
        BenchLog.say("measuring CPU at rest for " + options.restS() + " s");
        long[] from = instances.stream().mapToLong(InstanceProcess::cpuTicks).toArray();
        double loadFrom = InstanceProcess.loadAverage();
        long start = System.nanoTime();
        idleFor(options.restS());
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Double> pct = new ArrayList<>();
        for (int i = 0; i < instances.size(); i++) {
            pct.add(round(100.0 * (instances.get(i).cpuTicks() - from[i]) / InstanceProcess.ticksPerSecond() / seconds));
        }
        return Map.of("seconds", round(seconds), "instanceCpuPctOfOneCore", pct,
                "loadAverage1m", List.of(loadFrom, InstanceProcess.loadAverage()));
    }

    /** Stops each instance in turn (the first two); returns one figure set per storm. */
    private List<Map<String, Object>> storms(IdleSockets idle, List<HeapHistogram> baseline) throws Exception {
        List<Map<String, Object>> storms = new ArrayList<>();
        for (int victim = 0; victim < 2; victim++) {
            awaitAllReady();
            storms.add(storm(idle, victim, baseline));
        }
        return storms;
    }

    private Map<String, Object> storm(IdleSockets idle, int victim, List<HeapHistogram> baseline) throws Exception {
        InstanceProcess stopped = instances.get(victim);
        List<InstanceProcess> others = instances.stream().filter(p -> p != stopped).toList();
        int expected = idle.open();
        long subscriptionsBefore = idle.subscriptions();
        Map<String, Integer> failuresBefore = idle.failures();
        long stoppedPid = stopped.pid();
        BenchLog.say("storm: SIGTERM to bench-" + (victim + 1) + " (pid " + stoppedPid + ")");
        double load = InstanceProcess.loadAverage();
        long[] ticks = others.stream().mapToLong(InstanceProcess::cpuTicks).toArray();
        long start = System.nanoTime();
        long sampled = start;
        double peak = 0;
        stopped.terminate();
        long deadline = start + SETTLE.toNanos();
        while (idle.open() < expected || idle.reconnecting() > 0 || idle.subscriptions() == subscriptionsBefore) {
            if (System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(250);
            long now = System.nanoTime();
            long[] t = others.stream().mapToLong(InstanceProcess::cpuTicks).toArray();
            for (int i = 0; i < t.length; i++) {
                peak = Math.max(peak, 100.0 * (t[i] - ticks[i]) / InstanceProcess.ticksPerSecond() / ((now - sampled) / 1e9));
            }
            ticks = t;
            sampled = now;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("stopped", "bench-" + (victim + 1));
        figures.put("reconnected", idle.subscriptions() - subscriptionsBefore);
        figures.put("allBack", idle.open() >= expected);
        figures.put("seconds", round(seconds));
        Map<String, Integer> during = since(failuresBefore, idle.failures());
        // A 503 is an instance saying "not now" (busy admitting, full, draining): the client backs off and comes back.
        figures.put("refused", during.entrySet().stream().filter(e -> e.getKey().startsWith("upgrade refused: 503"))
                .mapToInt(Map.Entry::getValue).sum());
        figures.put("failures", during.entrySet().stream().filter(e -> !e.getKey().startsWith("upgrade refused: 503"))
                .mapToInt(Map.Entry::getValue).sum());
        figures.put("failuresByReason", during);
        figures.put("peakCpuPctOfOneCore", round(peak));
        figures.put("loadAverage1m", List.of(load, InstanceProcess.loadAverage()));
        // The survivor now holds every socket: what that costs one instance with its default heap.
        if (others.size() == 1) {
            int survivor = instances.indexOf(others.getFirst());
            HeapHistogram now = others.getFirst().histogram();
            figures.put("survivorSockets", idle.open());
            figures.put("survivorHeapUsed", now.totalBytes());
            figures.put("survivorRss", others.getFirst().rssBytes());
            figures.put("survivorAtRest", atRest(others));
            if (survivor < baseline.size() && victim == 0) {
                figures.put("survivorHeapBytesPerSocket",
                        Math.round((double) (now.totalBytes() - baseline.get(survivor).totalBytes()) / Math.max(1, idle.open())));
            }
        }
        awaitRestarted(stopped, stoppedPid);
        return figures;
    }

    /** What each count grew by between the two snapshots; reasons that did not grow are left out. */
    static Map<String, Integer> since(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> grown = new java.util.TreeMap<>();
        after.forEach((reason, n) -> {
            int delta = n - before.getOrDefault(reason, 0);
            if (delta > 0) {
                grown.put(reason, delta);
            }
        });
        return grown;
    }

    private void awaitRestarted(InstanceProcess stopped, long oldPid) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (stopped.pid() == oldPid && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
    }

    private void awaitAllReady() throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        for (int i = 1; i <= options.instances(); i++) {
            while (ready("bench-" + i) != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("bench-" + i + " not ready after " + SETTLE.toSeconds() + " s");
                }
                Thread.sleep(500);
            }
        }
    }

    private int ready(String name) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(name) + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        }
    }

    private int port(String name) {
        try {
            return Integer.parseInt(Files.readString(options.runDir().resolve(name + ".port")).trim());
        } catch (IOException e) {
            throw new IllegalStateException("no port file for " + name + " in " + options.runDir(), e);
        }
    }

    private static void idleFor(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
