package dev.chorus.groups.internal;

import dev.chorus.groups.GroupsProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * This instance's member of the consumer group that reads the messages topic: Kafka spreads the partitions over
 * the instances and moves them when one comes or goes (partition ownership; see the README for why not a single
 * leader-only writer). One thread polls; each poll's records are written by {@link KafkaBatchWriter} in one
 * transaction, and only then are their offsets committed. So a record is written at least once (a consumer killed
 * between commit and offset commit leaves them to the next owner, which reads them again) and stored at most once
 * (the writer skips what history already holds).
 *
 * <p>Life cycle: started with the application context (Spring's last phase), stopped first on shutdown: the
 * consumer leaves the group at once, so its partitions move without waiting for the session timeout. A database
 * failure rewinds the poll's partitions and tries again after a pause, without committing anything: nothing is
 * skipped. Lag is the consumer's own figure after each poll (records between its position and the high watermark).
 */
public class KafkaMessageConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KafkaMessageConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final GroupsProperties.Kafka settings;
    private final Map<String, Object> config;
    private final KafkaBatchWriter writer;
    private final MeterRegistry meters;
    private final DistributionSummary batchSizes;
    private final Counter persisted;
    private final Counter parked;
    /** Written by the poll thread, read by metrics and health. */
    private final Map<TopicPartition, Long> lags = new ConcurrentHashMap<>();
    /** Only accessed by the poll thread (the rebalance listener runs in it). */
    private final Map<TopicPartition, Gauge> lagGauges = new HashMap<>();
    /** Written by the poll thread; read by health. */
    private volatile String state = "stopped";
    /** Set by start and stop; read by the poll thread. */
    private volatile boolean running;
    /** Set by start (before the thread starts), read by stop. */
    private volatile Thread thread;
    /** Created and closed by the poll thread; stop() only calls its wakeup(), the one thread-safe method. */
    private volatile KafkaConsumer<String, byte[]> consumer;

    public KafkaMessageConsumer(GroupsProperties.Kafka settings, Map<String, Object> common, String instanceId,
            KafkaBatchWriter writer, MeterRegistry meters) {
        this.settings = settings;
        this.writer = writer;
        this.meters = meters;
        Map<String, Object> c = new HashMap<>(common);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.consumerGroup());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, instanceId + "-consumer");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new consumer group starts at the beginning: a message acknowledged before any consumer existed is stored.
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout().toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) settings.sessionTimeout().toMillis() / 3);
        // Incremental rebalances: an instance coming or going moves only the partitions that must move.
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // The topic is Chorus's to create, with its partitions and replication (KafkaHealth), never the broker's
        // defaults; a consumer started before it exists finds it at its next metadata refresh.
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        c.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 10_000);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.config = Map.copyOf(c);
        this.batchSizes = DistributionSummary.builder("chorus.kafka.batch.size")
                .description("records written per consumer transaction").register(meters);
        this.persisted = Counter.builder("chorus.messages.persisted").description("messages written to history").register(meters);
        this.parked = Counter.builder("chorus.kafka.parked")
                .description("records of the messages topic that can never be stored, parked").register(meters);
    }

    @Override
    public synchronized void start() {
        running = true;
        state = "starting";
        thread = Thread.ofPlatform().name("kafka-consumer").daemon().start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** For /health/detailed: state, the partitions this instance owns with their lag, and the total lag. */
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", state);
        status.put("group", settings.consumerGroup());
        Map<Integer, Long> byPartition = new TreeMap<>();
        lags.forEach((tp, lag) -> byPartition.put(tp.partition(), lag));
        status.put("partitions", byPartition);
        status.put("lag", lags.values().stream().mapToLong(Long::longValue).sum());
        status.put("parked", (long) parked.count());
        return status;
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(config)) {
            consumer = c;
            c.subscribe(List.of(settings.topic()), new Rebalances());
            int failures = 0;
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = c.poll(POLL);
                    failures = records.isEmpty() || handle(c, records) ? 0 : failures + 1;
                    updateLags(c);
                } catch (WakeupException stopping) {
                    throw stopping;
                } catch (KafkaException e) {
                    // The cluster unreachable or restarting, a commit timed out: nothing is lost (what was written
                    // but not committed is read again and skipped), so keep polling after a pause.
                    failures++;
                    state = "retrying: " + e.getClass().getSimpleName();
                    log.warn("the Kafka consumer will try again: {}", e.toString());
                }
                if (failures > 0) {
                    pause(failures);
                }
            }
        } catch (WakeupException stopping) {
            // stop() woke the poll: the consumer closes (leaving the group) on the way out.
        } catch (RuntimeException e) {
            log.error("the Kafka consumer stopped: {}", e.toString(), e);
        } finally {
            consumer = null;
            state = "stopped";
            lagGauges.values().forEach(meters::remove);
            lagGauges.clear();
            lags.clear();
        }
    }

    /** Writes one poll's records and commits their offsets; false (rewound, nothing committed) if the write failed. */
    private boolean handle(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>(records.count());
        records.forEach(all::add);
        KafkaBatchWriter.Outcome outcome;
        try {
            outcome = writer.write(all);
        } catch (RuntimeException e) {
            state = "retrying: " + e.getClass().getSimpleName();
            log.warn("writing {} records failed, reading them again: {}", all.size(), e.toString());
            rewind(c, records);
            return false;
        }
        state = "running";
        batchSizes.record(all.size());
        persisted.increment(outcome.stored());
        parked.increment(outcome.parked());
        commit(c, records);
        return true;
    }

    private void commit(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> part = records.records(tp);
            next.put(tp, new OffsetAndMetadata(part.getLast().offset() + 1));
        }
        try {
            c.commitSync(next);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partitions moved on: their new owner reads these records again and finds them written.
            log.info("offsets not committed ({}): the partitions' next owner skips what is already written", e.toString());
        } catch (WakeupException stopping) {
            throw stopping;
        } catch (KafkaException e) {
            // The next commit of these partitions covers these offsets too; until then a new owner would read the
            // records again and skip them.
            log.warn("offsets not committed ({}); the next commit covers them", e.toString());
        }
    }

    private static void rewind(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            c.seek(tp, records.records(tp).getFirst().offset());
        }
    }

    private void pause(int failures) {
        long millis = Math.min(MAX_BACKOFF.toMillis(), 250L << Math.min(failures, 5));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void updateLags(KafkaConsumer<String, byte[]> c) {
        for (TopicPartition tp : c.assignment()) {
            c.currentLag(tp).ifPresent(lag -> lags.put(tp, lag));
        }
    }

    /** Runs in the poll thread, inside poll(): every record handed out before was written and committed already. */
    private final class Rebalances implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                lags.putIfAbsent(tp, 0L);
                lagGauges.computeIfAbsent(tp, p -> Gauge.builder("chorus.kafka.consumer.lag", lags, m -> m.getOrDefault(p, 0L))
                        .description("records of this partition not yet read by its owner")
                        .tag("topic", p.topic()).tag("partition", Integer.toString(p.partition())).register(meters));
            }
            log.info("Kafka partitions assigned: {}", partitions);
            state = "running";
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            forget(partitions);
            if (!partitions.isEmpty()) {
                log.info("Kafka partitions revoked: {}", partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
            log.warn("Kafka partitions lost (this consumer missed its session): {}", partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                Gauge gauge = lagGauges.remove(tp);
                if (gauge != null) {
                    meters.remove(gauge);
                }
                lags.remove(tp);
            }
        }
    }
}
