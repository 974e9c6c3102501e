package dev.chorus.support;

import java.nio.file.Path;

/**
 * The configuration of a local single-node Kafka (KRaft: broker and controller in one process, loopback only). One
 * node can hold one replica: every internal topic gets replication factor 1. A production cluster has three or more
 * brokers, the messages topic replication factor 3 and {@code min.insync.replicas=2} (deploy/compose, README).
 */
public final class KafkaBrokerConfig {

    private KafkaBrokerConfig() {
    }

    public static String serverProperties(Path dataDir, int port, int controllerPort) {
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dataDir,
                "num.partitions=6",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=6",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // Consumers join at once: no waiting for more members before the first assignment.
                "group.initial.rebalance.delay.ms=0",
                "")
                + "\n";
    }

    /** The broker's own log: INFO and up to stdout (redirected to broker.log), the chatty request logger quiet. */
    public static String log4j() {
        return String.join("\n",
                "rootLogger.level=INFO",
                "rootLogger.appenderRef.out.ref=OUT",
                "appender.out.type=Console",
                "appender.out.name=OUT",
                "appender.out.layout.type=PatternLayout",
                "appender.out.layout.pattern=[%d] %p %m (%c)%n",
                "logger.request.name=kafka.request.logger",
                "logger.request.level=WARN",
                "");
    }
}
