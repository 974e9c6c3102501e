package dev.chorus.groups.internal;

import dev.chorus.groups.GroupsProperties;
import dev.chorus.groups.Message;
import dev.chorus.ops.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpStatus;

/**
 * The accepting side of the Kafka pipeline: appends accepted messages to the messages topic, keyed by group id (so
 * a group's messages share a partition and keep their order), and returns only once the cluster acknowledged every
 * one of them with {@code acks=all}: then each is on every in-sync replica and survives the loss of this instance,
 * of every instance, and of any broker short of {@code min.insync.replicas}. The producer is idempotent, so its own
 * retries after a lost acknowledgement write a record once.
 *
 * <p>A message the cluster did not acknowledge within {@code sendTimeout} is answered 503 {@code kafka_unavailable}:
 * not accepted. It may still have reached the topic (an acknowledgement lost on the way back); a retry with the same
 * clientMessageId is stored at most once either way.
 */
public class KafkaMessageLog implements DisposableBean {

    private final String topic;
    private final Duration sendTimeout;
    private final KafkaProducer<String, byte[]> producer;
    private final Timer latency;

    public KafkaMessageLog(GroupsProperties.Kafka settings, Map<String, Object> common, String instanceId, MeterRegistry meters) {
        this.topic = settings.topic();
        this.sendTimeout = settings.sendTimeout();
        Map<String, Object> config = new HashMap<>(common);
        int timeout = (int) sendTimeout.toMillis();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, instanceId + "-producer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        // Concurrent posts share batches; a lone post waits at most this long for company.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        // The whole wait of one post is bounded by sendTimeout: delivery (retries included) and the metadata wait.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, timeout / 2));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(config);
        this.latency = Timer.builder("chorus.kafka.produce.latency")
                .description("from a post's first record sent to the cluster's acknowledgement of its last (acks=all)")
                .publishPercentileHistogram().register(meters);
    }

    /** Appends one record per draft and waits for all acknowledgements; throws 503 kafka_unavailable otherwise. */
    public void append(List<Message> drafts) {
        long started = System.nanoTime();
        List<Future<RecordMetadata>> sent = new ArrayList<>(drafts.size());
        try {
            for (Message draft : drafts) {
                sent.add(producer.send(new ProducerRecord<>(topic, draft.groupId().toString(), LoggedMessage.encode(draft))));
            }
            long deadline = started + sendTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
            for (Future<RecordMetadata> f : sent) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw unavailable(e instanceof ExecutionException ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        }
        latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    private static ApiException unavailable(Throwable cause) {
        return new KafkaUnavailable("the message log did not acknowledge the message (" + cause.getClass().getSimpleName()
                + "); it was not accepted: retry with the same clientMessageId");
    }

    @Override
    public void destroy() {
        producer.close(Duration.ofSeconds(5));
    }

    /** 503 {@code kafka_unavailable}, with Retry-After. */
    static final class KafkaUnavailable extends ApiException {
        KafkaUnavailable(String message) {
            super(HttpStatus.SERVICE_UNAVAILABLE, "kafka_unavailable", message);
        }

        @Override
        public long retryAfterSeconds() {
            return 2;
        }
    }
}
