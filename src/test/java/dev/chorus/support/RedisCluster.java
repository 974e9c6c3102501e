package dev.chorus.support;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of a test's own: three masters with one replica each, from Debian's redis-server, on free loopback
 * ports (client and cluster-bus ports both picked), one password, no persistence, joined by
 * {@code redis-cli --cluster create ... --cluster-replicas 1}. Nodes call a peer failed after
 * {@link #NODE_TIMEOUT_MS} without an answer, so a replica replaces a SIGKILLed master a few seconds later. Files
 * (node configs, logs) live in {@code target/redis-cluster/<id>/}.
 */
public final class RedisCluster implements AutoCloseable {

    public static final int NODE_TIMEOUT_MS = 2000;
    private static final int NODES = 6;

    private final Path dir;
    private final String password = "pw-" + UUID.randomUUID().toString().replace("-", "");
    /** Client port → its process; the order the nodes were started in. */
    private final Map<Integer, Process> nodes = new LinkedHashMap<>();

    public RedisCluster() {
        try {
            dir = Files.createDirectories(Path.of("target", "redis-cluster", UUID.randomUUID().toString().substring(0, 8))
                    .toAbsolutePath());
            for (int i = 0; i < NODES; i++) {
                int port = FreePorts.pick();
                nodes.put(port, node(port, FreePorts.pick()));
            }
            for (int port : nodes.keySet()) {
                Await.until(Duration.ofSeconds(10), "node " + port + " answering", () -> answers(port));
            }
            create();
        } catch (IOException | RuntimeException e) {
            close();
            throw new IllegalStateException("the Redis Cluster could not start: " + e.getMessage(), e);
        }
        Await.until(Duration.ofSeconds(30), "a cluster of 3 masters with a replica each, state ok on every node",
                this::describe, seen -> settled());
    }

    /** The environment an instance needs: REDIS_CLUSTER_NODES (every node), REDIS_PASSWORD, and no REDIS_URL. */
    public Map<String, String> env() {
        return Map.of("REDIS_CLUSTER_NODES", nodes.keySet().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")),
                "REDIS_PASSWORD", password, "REDIS_URL", "");
    }

    public String password() {
        return password;
    }

    /** The port of the master that serves this key's (or shard channel's) hash slot now, as the cluster says. */
    public int masterOf(String key) {
        int slot = SlotHash.getSlot(key);
        return partitions().getPartitions().stream()
                .filter(n -> n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.is(RedisClusterNode.NodeFlag.FAIL) && n.hasSlot(slot))
                .map(n -> n.getUri().getPort()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no master serves slot " + slot + ": " + describe()));
    }

    /** The port of a replica of the master on this port. */
    public int replicaOf(int masterPort) {
        Partitions partitions = partitions();
        String masterId = partitions.getPartitions().stream().filter(n -> n.getUri().getPort() == masterPort).findFirst()
                .orElseThrow().getNodeId();
        return partitions.getPartitions().stream().filter(n -> masterId.equals(n.getSlaveOf())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no replica of " + masterPort + ": " + describe())).getUri().getPort();
    }

    /** SIGKILL of the node on this port; it stays dead. */
    public void kill(int port) {
        Process node = nodes.get(port);
        node.destroyForcibly();
        try {
            node.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a call on a cluster connection of the test's own (password, topology from the live nodes). */
    public <T> T call(Function<StatefulRedisClusterConnection<String, String>, T> call) {
        RedisClusterClient client = RedisClusterClient.create(livingUris());
        try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
            return call.apply(c);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Runs one command on one node (PUBSUB SHARDNUMSUB, CLUSTER INFO...) and returns its reply as text. */
    public String onNode(int port, String... command) {
        List<String> full = new ArrayList<>(List.of("redis-cli", "--no-auth-warning", "-a", password, "-p", Integer.toString(port)));
        full.addAll(List.of(command));
        return run(full, Duration.ofSeconds(5));
    }

    private Process node(int port, int busPort) throws IOException {
        List<String> command = List.of("redis-server", "--port", Integer.toString(port), "--cluster-port", Integer.toString(busPort),
                "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS), "--save", "", "--appendonly", "no",
                "--requirepass", password, "--masterauth", password, "--dir", dir.toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(port + ".log").toFile()).start();
    }

    private void create() {
        List<String> command = new ArrayList<>(List.of("redis-cli", "--no-auth-warning", "-a", password, "--cluster", "create"));
        nodes.keySet().forEach(p -> command.add("127.0.0.1:" + p));
        command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        String out = run(command, Duration.ofSeconds(60));
        if (!out.contains("All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create: " + out);
        }
    }

    private boolean answers(int port) {
        return onNode(port, "PING").strip().equals("PONG");
    }

    private boolean settled() {
        for (int port : nodes.keySet()) {
            if (!onNode(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
                return false;
            }
        }
        Partitions partitions = partitions();
        long masters = partitions.getPartitions().stream().filter(n -> n.is(RedisClusterNode.NodeFlag.UPSTREAM)).count();
        long replicas = partitions.getPartitions().stream().filter(n -> n.getSlaveOf() != null).count();
        return masters == 3 && replicas == 3;
    }

    /** The cluster as a living node sees it (CLUSTER NODES). */
    private Partitions partitions() {
        for (int port : nodes.keySet()) {
            if (nodes.get(port).isAlive()) {
                String text = onNode(port, "CLUSTER", "NODES");
                if (text.contains("myself")) {
                    return ClusterPartitionParser.parse(text);
                }
            }
        }
        throw new IllegalStateException("no living node of the cluster answers");
    }

    private List<RedisURI> livingUris() {
        return nodes.keySet().stream().filter(p -> nodes.get(p).isAlive())
                .map(p -> RedisURI.builder().withHost("127.0.0.1").withPort(p).withPassword(password.toCharArray())
                        .withTimeout(Duration.ofSeconds(2)).build()).toList();
    }

    private String describe() {
        try {
            return nodes.keySet().stream().filter(p -> nodes.get(p).isAlive()).findFirst()
                    .map(p -> onNode(p, "CLUSTER", "NODES")).orElse("(no node alive)");
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    private static String run(List<String> command, Duration limit) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.getFirst() + " did not finish within " + limit);
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        nodes.values().forEach(Process::destroyForcibly);
        for (Process node : nodes.values()) {
            try {
                node.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
