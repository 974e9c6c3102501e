package dev.chorus.deploy;

import dev.chorus.support.ChorusProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a script driving clients (Node, Chromium) may ask of the cluster under it: "restart" stops an instance with
 * SIGTERM and waits for its graceful exit (its sockets get 1012), "kill" SIGKILLs it; either way the answer comes once
 * it is down, and the instance starts again on its port in the background, because start-up takes longer than a
 * conversation should wait. {@link #close()} waits for those starts, so that the cluster is whole again.
 */
final class InstanceControl implements AutoCloseable {

    private final BalancedCluster cluster;
    private final List<CompletableFuture<ChorusProcess>> restarts = new CopyOnWriteArrayList<>();

    InstanceControl(BalancedCluster cluster) {
        this.cluster = cluster;
    }

    /** Returns "done", or what went wrong. */
    String apply(String action, String instanceId) {
        try {
            ChorusProcess process = cluster.process(instanceId);
            switch (action) {
                case "restart" -> process.terminate(Duration.ofSeconds(40));
                case "kill" -> process.kill();
                default -> {
                    return "unknown action " + action;
                }
            }
            restarts.add(CompletableFuture.supplyAsync(() -> cluster.restart(process)));
            return "done";
        } catch (RuntimeException e) {
            return "failed: " + e;
        }
    }

    @Override
    public void close() {
        restarts.forEach(CompletableFuture::join);
    }
}
