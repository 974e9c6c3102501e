package dev.chorus.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka broker (KRaft, broker and controller in one process) from Maven Central's jars, in a JVM of its
 * own so that it can be SIGKILLed and started again on the same ports and data: for tests, and, through {@link #main},
 * for {@code bin/chorus up --kafka} (bin/lib/kafka.sh). Its class path comes from tools/kafka-broker/pom.xml, resolved
 * by Maven once and kept in tools/kafka-broker/target/classpath.txt. Its log goes to {@code <dir>/broker.log}.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Path TOOL = Path.of("tools", "kafka-broker");
    private static final Duration READY = Duration.ofSeconds(120);

    private final Path dir;
    private final int port;
    /** Only accessed by the test thread. */
    private Process process;

    private KafkaBroker(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** A fresh broker on free loopback ports, with a data directory of its own under target/kafka/; waits until it answers. */
    public static KafkaBroker start() {
        try {
            Path dir = Files.createDirectories(Path.of("target", "kafka", UUID.randomUUID().toString().substring(0, 8))).toAbsolutePath();
            int port = FreePorts.pick();
            int controllerPort = FreePorts.pick();
            prepare(dir, port, controllerPort);
            KafkaBroker broker = new KafkaBroker(dir, port);
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** host:port, for KAFKA_BROKERS. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL: no controlled shutdown; the data directory stays for {@link #restart()}. */
    public void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /** SIGTERM: a controlled shutdown. */
    public void stop() {
        process.destroy();
        awaitExit();
    }

    /** Starts the stopped broker again on the same port and data; waits until it answers. */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the broker is still running (pid " + process.pid() + ")");
        }
        launch();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // target/ is cleaned with the build anyway
        }
    }

    private void launch() {
        try {
            process = new ProcessBuilder(command(dir)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
    }

    private void awaitReady() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            Await.until(READY, "the Kafka broker answering on " + bootstrap() + " (log: " + dir.resolve("broker.log") + ")", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the Kafka broker exited; see " + dir.resolve("broker.log"));
                }
                try {
                    return !admin.describeCluster().nodes().get(4, TimeUnit.SECONDS).isEmpty();
                } catch (Exception notYet) {
                    return false;
                }
            });
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the Kafka broker did not exit within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes the broker's configuration into {@code dir} (server.properties, log4j2.properties, a fresh cluster id)
     * and formats its data directory, unless that was done before; then {@link #command} starts it.
     */
    public static void prepare(Path dir, int port, int controllerPort) throws IOException {
        Files.createDirectories(dir);
        Path properties = dir.resolve("server.properties");
        if (Files.exists(dir.resolve("data").resolve("meta.properties"))) {
            return;
        }
        Files.writeString(properties, KafkaBrokerConfig.serverProperties(dir.resolve("data"), port, controllerPort));
        Files.writeString(dir.resolve("log4j2.properties"), KafkaBrokerConfig.log4j());
        List<String> format = new ArrayList<>(java(dir));
        format.addAll(List.of("kafka.tools.StorageTool", "format", "--ignore-formatted", "-t", Uuid.randomUuid().toString(),
                "-c", properties.toString()));
        run(format, dir.resolve("format.log"), Duration.ofSeconds(120));
    }

    /** The command that runs the prepared broker in {@code dir}. */
    public static List<String> command(Path dir) {
        List<String> command = new ArrayList<>(java(dir));
        command.addAll(List.of("kafka.Kafka", dir.resolve("server.properties").toString()));
        return command;
    }

    private static List<String> java(Path dir) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-XX:TieredStopAtLevel=1", "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                "-cp", classpath());
    }

    /** The broker's class path, resolved by Maven from tools/kafka-broker/pom.xml the first time. */
    static String classpath() {
        Path file = TOOL.resolve("target").resolve("classpath.txt").toAbsolutePath();
        try {
            if (!Files.exists(file) || Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(TOOL.resolve("pom.xml"))) < 0) {
                run(List.of("mvn", "-q", "-B", "-f", TOOL.resolve("pom.xml").toString(), "dependency:build-classpath",
                        "-Dmdep.outputFile=" + file), TOOL.resolve("target").resolve("resolve.log"), Duration.ofMinutes(10));
            }
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command, Path log, Duration timeout) throws IOException {
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command.getFirst() + " did not finish within " + timeout + "; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command.subList(0, Math.min(6, command.size())))
                    + "... failed (exit " + p.exitValue() + "): " + Files.readString(log).strip());
        }
    }

    /**
     * For bin/lib/kafka.sh: {@code prepare DIR PORT CONTROLLER_PORT} prepares a broker in DIR and writes the command
     * that runs it to DIR/command, one argument a line.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 4 || !args[0].equals("prepare")) {
            System.err.println("usage: KafkaBroker prepare DIR PORT CONTROLLER_PORT");
            System.exit(2);
        }
        Path dir = Path.of(args[1]).toAbsolutePath();
        prepare(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        Files.write(dir.resolve("command"), command(dir));
    }
}
