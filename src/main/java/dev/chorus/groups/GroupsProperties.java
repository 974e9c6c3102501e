package dev.chorus.groups;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the groups module (prefix {@code chorus.groups}), the group-commit writer's shape (how many writer lanes,
 * that is concurrent batch transactions per instance, how many posts one batch may hold, and the least time between
 * the starts of two batches of a lane under load), and the Kafka
 * pipeline's settings ({@code chorus.groups.kafka}, from the KAFKA_* variables).
 */
@ConfigurationProperties("chorus.groups")
public record GroupsProperties(@DefaultValue("4000") int maxContentLength, @DefaultValue("50") int maxTargets,
        @DefaultValue("200") int maxHistoryLimit, @DefaultValue("50") int defaultHistoryLimit,
        @DefaultValue("2") int writerLanes, @DefaultValue("256") int maxBatch,
        @DefaultValue("PT0.005S") Duration commitInterval, @DefaultValue Kafka kafka) {

    /**
     * The Kafka pipeline: on when {@code brokers} is set. The topic is created with {@code partitions},
     * {@code replicationFactor} and {@code minInsyncReplicas} if it does not exist (an existing one is used as it is).
     * A post waits at most {@code sendTimeout} for the cluster's acknowledgement. A consumer that stops heartbeating
     * for {@code sessionTimeout} (killed, frozen) loses its partitions to the others. {@code client} holds extra
     * Kafka client settings (security.protocol, sasl.*, ssl.*) given to every producer, consumer and admin client.
     */
    public record Kafka(@DefaultValue("") String brokers, @DefaultValue("chorus.messages") String topic,
            @DefaultValue("chorus") String consumerGroup, @DefaultValue("12") int partitions,
            @DefaultValue("3") short replicationFactor, @DefaultValue("2") int minInsyncReplicas,
            @DefaultValue("PT10S") Duration sendTimeout, @DefaultValue("PT10S") Duration sessionTimeout,
            @DefaultValue("500") int maxPollRecords, @DefaultValue("PT2S") Duration probeInterval,
            Map<String, String> client) {

        public Kafka {
            client = client == null ? Map.of() : Map.copyOf(client);
        }

        public boolean enabled() {
            return !brokers.isBlank();
        }
    }
}
