package dev.chorus.groups.internal;

import dev.chorus.groups.GroupsProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The Kafka pipeline's parts, present only when KAFKA_BROKERS is set: the log posts are appended to, this instance's
 * consumer that writes the topic to history, and the health probe. Without them the direct pipeline runs unchanged.
 *
 * <p>Kafka's own clients are used as they are (not spring-kafka's listener containers): the pipeline's guarantees
 * rest on the order of three steps in one poll loop (write in one transaction, then commit offsets, then poll), and
 * they read most plainly in one short class, {@link KafkaMessageConsumer}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${chorus.groups.kafka.brokers:}' != ''")
class KafkaPipelineConfiguration {

    private final GroupsProperties.Kafka settings;
    private final String instanceId;
    private final Map<String, Object> common = new HashMap<>();

    KafkaPipelineConfiguration(GroupsProperties properties, @Value("${chorus.instance-id}") String instanceId) {
        this.settings = properties.kafka();
        this.instanceId = instanceId;
        common.putAll(settings.client());
        common.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
    }

    @Bean
    KafkaMessageLog kafkaMessageLog(MeterRegistry meters) {
        return new KafkaMessageLog(settings, common, instanceId, meters);
    }

    @Bean
    KafkaMessageConsumer kafkaMessageConsumer(MessageStore store, ParkedRecords parked, PlatformTransactionManager transactions,
            ApplicationEventPublisher events, Clock clock, MeterRegistry meters) {
        KafkaBatchWriter writer = new KafkaBatchWriter(store, parked, transactions, events, clock);
        return new KafkaMessageConsumer(settings, common, instanceId, writer, meters);
    }

    @Bean
    KafkaHealth kafkaHealth(KafkaMessageConsumer consumer, Clock clock) {
        return new KafkaHealth(settings, common, instanceId, consumer, clock);
    }
}
