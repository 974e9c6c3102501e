package dev.chorus.deploy;

import dev.chorus.support.Api;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.TestCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * Instance processes of one {@link TestCluster} behind a real balancer: what bin/chorus up runs, on free ports.
 * Rate limits are off so that load loops measure the cluster, not the limiter.
 */
public final class BalancedCluster implements AutoCloseable {

    public final TestCluster cluster;
    public final Balancer balancer;
    private final List<ChorusProcess> processes;

    private BalancedCluster(TestCluster cluster, List<ChorusProcess> processes, Balancer balancer) {
        this.cluster = cluster;
        this.processes = processes;
        this.balancer = balancer;
    }

    /** Starts {@code count} instance processes in parallel (named prefix-1 ...), then the balancer in front of them. */
    static BalancedCluster start(Balancer.Kind kind, String prefix, int count, Map<String, String> env) {
        TestCluster cluster = new TestCluster();
        env.forEach(cluster::with);
        return start(kind, prefix, count, cluster);
    }

    /** As above, on a cluster made beforehand (for settings that need its database name). */
    static BalancedCluster start(Balancer.Kind kind, String prefix, int count, TestCluster cluster) {
        return start(kind, prefix, count, cluster, i -> Map.of());
    }

    /** As above, instance i (1-based) getting these environment variables besides the cluster's. */
    public static BalancedCluster start(Balancer.Kind kind, String prefix, int count, TestCluster cluster,
            IntFunction<Map<String, String>> overrides) {
        cluster.with("RATE_LIMIT_PER_USER", "0").with("RATE_LIMIT_PER_IP", "0");
        try {
            List<CompletableFuture<ChorusProcess>> starting = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                String id = prefix + "-" + i;
                Map<String, String> own = overrides.apply(i);
                starting.add(CompletableFuture.supplyAsync(() -> cluster.startProcess(id, own)));
            }
            List<ChorusProcess> processes = new ArrayList<>(starting.stream().map(CompletableFuture::join).toList());
            Map<String, Integer> ports = new LinkedHashMap<>();
            processes.forEach(p -> ports.put(p.id(), p.port()));
            return new BalancedCluster(cluster, processes, Balancer.start(kind, ports));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The balancer's address: every request of a test goes through it. */
    public Api api() {
        return balancer.api();
    }

    public synchronized List<ChorusProcess> processes() {
        return List.copyOf(processes);
    }

    public synchronized ChorusProcess process(String id) {
        return processes.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }

    /** Starts an exited instance again on its port and returns the new process. */
    public ChorusProcess restart(ChorusProcess exited) {
        ChorusProcess started = cluster.restart(exited);
        synchronized (this) {
            processes.replaceAll(p -> p == exited ? started : p);
        }
        return started;
    }

    @Override
    public void close() {
        try {
            balancer.close();
        } finally {
            cluster.close();
        }
    }
}
