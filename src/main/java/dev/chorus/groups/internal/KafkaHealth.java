package dev.chorus.groups.internal;

import dev.chorus.groups.GroupsProperties;
import dev.chorus.ops.HealthDetailContributor;
import dev.chorus.ops.ReadinessCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Whether this instance reaches the Kafka cluster, asked in the background every {@code probeInterval} (so a health
 * request never waits on Kafka): {@code /health/ready} is 503 {@code kafka-unavailable} while the last probe failed or
 * is stale, since a post would then fail too. {@code /health/detailed} shows the broker count, the probe's latency and
 * the consumer's state. Once the cluster answers, the topic is created if it does not exist yet.
 */
public class KafkaHealth implements ReadinessCheck, HealthDetailContributor, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KafkaHealth.class);

    /** One probe's result. */
    private record Probe(boolean up, int brokers, long latencyMs, Instant at, String error) {
    }

    private final GroupsProperties.Kafka settings;
    private final Admin admin;
    private final KafkaMessageConsumer consumer;
    private final Clock clock;
    /** Written by the probe thread; read by health requests. */
    private volatile Probe last;
    /** Only accessed by the probe thread. */
    private boolean topicReady;
    /** Set by start and stop. */
    private volatile boolean running;
    /** Set by start, read by stop. */
    private volatile Thread thread;

    public KafkaHealth(GroupsProperties.Kafka settings, Map<String, Object> common, String instanceId,
            KafkaMessageConsumer consumer, Clock clock) {
        this.settings = settings;
        this.consumer = consumer;
        this.clock = clock;
        Map<String, Object> config = new HashMap<>(common);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, instanceId + "-admin");
        int timeout = (int) probeTimeout().toMillis();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        this.admin = Admin.create(config);
    }

    @Override
    public Optional<String> problem() {
        Probe p = last;
        boolean stale = p == null || p.at().isBefore(clock.instant().minus(settings.probeInterval().multipliedBy(3).plus(probeTimeout())));
        return stale || !p.up() ? Optional.of("kafka-unavailable") : Optional.empty();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void contribute(Map<String, Object> details) {
        Map<String, Object> kafka = new LinkedHashMap<>();
        Probe p = last;
        kafka.put("status", problem().isEmpty() ? "up" : "down");
        kafka.put("pipeline", "kafka");
        kafka.put("topic", settings.topic());
        if (p != null) {
            kafka.put("brokers", p.brokers());
            kafka.put("latencyMs", p.latencyMs());
            kafka.put("checkedAt", p.at().toString());
            if (p.error() != null) {
                kafka.put("error", p.error());
            }
        }
        kafka.put("consumer", consumer.status());
        if (details.get("checks") instanceof Map<?, ?> checks) {
            ((Map<String, Object>) checks).put("kafka", kafka);
        }
    }

    /** Started before the consumer (and stopped after it), so that the topic exists when the consumer subscribes. */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE - 1;
    }

    @Override
    public void start() {
        running = true;
        probe();
        thread = Thread.ofVirtual().name("kafka-probe").start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        admin.close(Duration.ofSeconds(2));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(settings.probeInterval());
            } catch (InterruptedException e) {
                return;
            }
            probe();
        }
    }

    private void probe() {
        long started = System.nanoTime();
        try {
            List<Node> nodes = List.copyOf(admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) probeTimeout().toMillis()))
                    .nodes().get(probeTimeout().toMillis() + 500, TimeUnit.MILLISECONDS));
            long latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // The topic first, then "up": a ready instance never makes a broker create it with its own defaults.
            if (!topicReady && !nodes.isEmpty()) {
                topicReady = ensureTopic();
            }
            last = new Probe(!nodes.isEmpty(), nodes.size(), latency, clock.instant(), nodes.isEmpty() ? "no broker" : null);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            last = new Probe(false, 0, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), clock.instant(),
                    cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Creates the topic unless it exists; true when it exists now. */
    private boolean ensureTopic() throws InterruptedException {
        NewTopic topic = new NewTopic(settings.topic(), settings.partitions(), settings.replicationFactor())
                .configs(Map.of("min.insync.replicas", Integer.toString(settings.minInsyncReplicas())));
        try {
            admin.createTopics(List.of(topic)).all().get(probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            log.info("created Kafka topic {} ({} partitions, replication factor {}, min.insync.replicas {})",
                    settings.topic(), settings.partitions(), settings.replicationFactor(), settings.minInsyncReplicas());
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return true;
            }
            log.warn("could not create Kafka topic {}: {}", settings.topic(), e.getCause().toString());
            return false;
        } catch (TimeoutException e) {
            return false;
        }
    }

    /** Generous for a loaded machine: health requests read the last result and never wait for a probe. */
    private static Duration probeTimeout() {
        return Duration.ofSeconds(3);
    }
}
