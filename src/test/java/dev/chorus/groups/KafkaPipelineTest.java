package dev.chorus.groups;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.KafkaBroker;
import dev.chorus.support.TestCluster;
import dev.chorus.support.WsClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * The Kafka pipeline with a real KRaft broker (its own JVM) and three instance processes: posts through every
 * instance reach subscribers on every instance once and in order; a poison record is parked and counted and its
 * partition goes on; acknowledged posts survive a broker restart and the others fail with 503 kafka_unavailable; an
 * instance SIGKILLed mid-stream hands its partitions over and, even with every instance killed right after its last
 * answer, nothing acknowledged is lost or stored twice. The last test kills instances, so the order is fixed.
 */
@Tag("process")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaPipelineTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static KafkaBroker broker;
    static TestCluster cluster;
    static String topic;
    static final List<ChorusProcess> instances = new ArrayList<>();
    static Session owner;
    static Session member;
    static Session outsider;

    @BeforeAll
    static void startBrokerAndThreeInstances() throws Exception {
        broker = KafkaBroker.start();
        String id = UUID.randomUUID().toString().substring(0, 8);
        topic = "chorus.t" + id;
        cluster = new TestCluster().with("KAFKA_BROKERS", broker.bootstrap()).with("KAFKA_TOPIC", topic)
                .with("KAFKA_CONSUMER_GROUP", "chorus-t" + id).with("KAFKA_PARTITIONS", "6")
                .with("KAFKA_REPLICATION_FACTOR", "1").with("KAFKA_MIN_INSYNC_REPLICAS", "1")
                .with("KAFKA_SEND_TIMEOUT", "PT5S").with("RATE_LIMIT_PER_IP", "0").with("RATE_LIMIT_PER_USER", "0");
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            List<Future<ChorusProcess>> starting = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                String name = "kafka-" + i;
                starting.add(pool.submit(() -> ChorusProcess.start(name, cluster.env(name, Map.of()),
                        "--chorus.groups.kafka.session-timeout=PT6S", "--chorus.cluster.heartbeat-interval=PT0.5S")));
            }
            for (Future<ChorusProcess> f : starting) {
                instances.add(f.get(5, TimeUnit.MINUTES));
            }
        }
        owner = api(0).newUser("owner");
        member = api(1).newUser("member");
        outsider = api(2).newUser("outsider");
    }

    @AfterAll
    static void stop() {
        instances.forEach(ChorusProcess::close);
        if (cluster != null) {
            cluster.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Order(1)
    void postsThroughEveryInstanceReachSubscribersOnEveryInstanceOnceAndInOrder() throws Exception {
        String group = groupWithMember("everywhere");
        List<WsClient> subscribers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subscribers.add(subscribed(api(i), i == 1 ? member : owner, group));
        }
        Map<String, String> idsByClientId = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int instance = i;
                work.add(pool.submit(() -> {
                    for (int n = 0; n < 10; n++) {
                        Response r = post(api(instance), owner, group, "rest " + instance + " " + n, "r-" + instance + "-" + n);
                        assertThat(r.status()).as("%s", r).isEqualTo(202);
                        JsonNode message = r.json().path("messages").get(0);
                        assertThat(message.path("seq").isNull()).as("seq of an accepted message: %s", r).isTrue();
                        idsByClientId.put("r-" + instance + "-" + n, message.path("id").asString());
                    }
                }));
                work.add(pool.submit(() -> {
                    try (WsClient ws = WsClient.connect(api(instance), member.accessToken())) {
                        for (int n = 0; n < 10; n++) {
                            ws.send(Map.of("type", "send", "groupId", group, "content", "ws " + instance + " " + n,
                                    "clientMessageId", "w-" + instance + "-" + n));
                            JsonNode ack = ws.awaitType("ack", WAIT);
                            assertThat(ack.path("clientMessageId").asString()).isEqualTo("w-" + instance + "-" + n);
                            assertThat(ack.path("seq").isNull()).as("%s", ack).isTrue();
                        }
                    }
                }));
            }
            for (Future<?> f : work) {
                f.get(3, TimeUnit.MINUTES);
            }
        }
        Response retry = post(api(2), owner, group, "rest 0 0", "r-0-0");
        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.json().path("messages").get(0).path("id").asString()).as("a retry names the original")
                .isEqualTo(idsByClientId.get("r-0-0"));

        List<Long> expected = LongStream.rangeClosed(1, 60).boxed().toList();
        for (WsClient ws : subscribers) {
            assertThat(ws.messageSeqs(group, 60, WAIT)).isEqualTo(expected);
        }
        assertThat(post(api(0), owner, group, "marker", null).status()).isEqualTo(202);
        for (WsClient ws : subscribers) {
            assertThat(ws.messageSeqs(group, 1, WAIT)).as("nothing more, no duplicate").containsExactly(61L);
            ws.close();
        }
        List<JsonNode> history = history(group);
        assertThat(history).hasSize(61);
        assertThat(history.stream().map(m -> m.path("seq").asLong()).toList()).isEqualTo(LongStream.rangeClosed(1, 61).boxed().toList());
        for (int i = 0; i < 3; i++) {
            List<String> inOrder = LongStream.range(0, 10).mapToObj(Long::toString).toList();
            assertThat(contentsFrom(history, "rest " + i + " ")).as("one instance's REST posts keep their order").isEqualTo(inOrder);
            assertThat(contentsFrom(history, "ws " + i + " ")).as("one socket's sends keep their order").isEqualTo(inOrder);
        }
        assertThat(history.stream().filter(m -> m.path("clientMessageId").asString("").equals("r-0-0")).map(m -> m.path("id").asString()))
                .containsExactly(idsByClientId.get("r-0-0"));
    }

    @Test
    @Order(2)
    void refusedPostsAppendNothingAndAnswerLikeTheDirectPipeline() {
        String group = groupWithMember("refusals");
        assertThat(post(api(0), outsider, group, "not a member", null).status()).isEqualTo(403);
        assertThat(post(api(1), owner, UUID.randomUUID().toString(), "no such group", null).status()).isEqualTo(404);
        assertThat(post(api(2), owner, group, "", null).status()).isEqualTo(400);
        assertThat(post(api(0), owner, group, "x".repeat(4001), null).status()).isEqualTo(400);
        assertThat(api(0).post("/api/messages", null, Map.of("content", "anonymous", "targetType", "group",
                "targetIds", List.of(group))).status()).isEqualTo(401);
        try (WsClient ws = WsClient.connect(api(1), outsider.accessToken())) {
            ws.send(Map.of("type", "send", "groupId", group, "content", "sneaky", "clientMessageId", "s-1"));
            assertThat(ws.awaitType("error").path("error").asString()).isEqualTo("forbidden");
        }
        assertThat(post(api(1), owner, group, "the only one", null).status()).isEqualTo(202);
        Await.until(WAIT, "the accepted message stored", () -> history(group).size() == 1);
        assertThat(history(group).getFirst().path("content").asString()).isEqualTo("the only one");
        assertThat(parkedRows()).as("nothing refused reached the topic").isZero();
    }

    @Test
    @Order(2)
    void healthShowsTheBrokerAndEachPartitionOwnedByOneInstanceAndTheMetricsAreExposed() {
        Await.until(WAIT, "the six partitions spread over the three instances, each owned once", () -> ownedPartitions(3),
                owned -> owned.size() == 6 && new HashSet<>(owned).size() == 6);
        String metrics = Await.until(WAIT, "lag, produce latency and batch sizes in /metrics",
                () -> api(0).get("/metrics", null).raw().body(),
                m -> m.contains("chorus_kafka_consumer_lag{") && m.contains("chorus_kafka_produce_latency_seconds_count")
                        && m.contains("chorus_kafka_batch_size_count"));
        assertThat(metrics).contains("partition=\"");
    }

    @Test
    @Order(3)
    void aPoisonRecordIsParkedAndCountedAndItsPartitionGoesOn() {
        String group = groupWithMember("poison");
        long parkedBefore = parkedCounted();
        try (WsClient ws = subscribed(api(2), owner, group);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            // Keyed by the group, so both land in its partition, ahead of its next message: one names a group that
            // is gone by the time it is read, one is no message at all.
            String toDeletedGroup = """
                    {"v":1,"id":"%s","groupId":"%s","senderId":"%s","content":"to a deleted group","clientMessageId":null,"createdAt":"%s"}"""
                    .formatted(UUID.randomUUID(), UUID.randomUUID(), owner.userId(), Instant.now());
            producer.send(new ProducerRecord<>(topic, group, toDeletedGroup.getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(topic, group, "\u0000garbage".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
            assertThat(post(api(0), owner, group, "after the poison", null).status()).isEqualTo(202);
            assertThat(ws.messageSeqs(group, 1, WAIT)).containsExactly(1L);
        }
        assertThat(history(group).getFirst().path("content").asString()).isEqualTo("after the poison");
        assertThat(parkedRows()).isEqualTo(2);
        Await.until(WAIT, "chorus_kafka_parked_total counting both", () -> parkedCounted() - parkedBefore == 2);
    }

    @Test
    @Order(4)
    void acknowledgedPostsSurviveABrokerRestartAndTheOthersFailClearly() throws Exception {
        String group = groupWithMember("broker-restart");
        WsClient ws = subscribed(api(0), member, group);
        Poster poster = new Poster(List.of(api(0), api(1), api(2)), group, "b");
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<?> posting = pool.submit(poster);
            Await.until(WAIT, "a few posts acknowledged before the broker dies", () -> poster.acknowledged.size() >= 5);
            broker.kill();
            Await.until(WAIT, "readiness 503 kafka-unavailable", () -> {
                Response ready = api(0).get("/health/ready", null);
                return ready.status() == 503 && ready.json().path("reasons").toString().contains("kafka-unavailable");
            });
            Await.until(WAIT, "a post refused while the broker is down", () -> !poster.refused.isEmpty());
            broker.restart();
            for (int i = 0; i < 3; i++) {
                Api api = api(i);
                Await.until(WAIT, "instance " + i + " ready again", () -> api.get("/health/ready", null).status() == 200);
            }
            int before = poster.acknowledged.size();
            Await.until(WAIT, "posts acknowledged again after the restart", () -> poster.acknowledged.size() >= before + 5);
            poster.stop.set(true);
            posting.get(2, TimeUnit.MINUTES);
        }
        assertThat(poster.unexpected).as("answers other than 202 and 503 kafka_unavailable").isEmpty();
        List<JsonNode> history = awaitStored(group, poster.acknowledged);
        assertGapFreeAndOnce(history, new HashSet<>(poster.acknowledged));
        assertThat(ws.messageSeqs(group, history.size(), WAIT)).isEqualTo(LongStream.rangeClosed(1, history.size()).boxed().toList());
        ws.close();
    }

    @Test
    @Order(5)
    void aKilledInstanceHandsItsPartitionsOverAndNothingAcknowledgedIsLostEvenWhenEveryInstanceDies() throws Exception {
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < 4; g++) {
            groups.add(groupWithMember("kill-" + g));
        }
        List<Poster> posters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            posters.add(new Poster(List.of(api(i)), groups.get(i), "k" + i));
        }
        posters.add(new Poster(List.of(api(0), api(1)), groups.get(3), "k3"));
        try (ExecutorService pool = Executors.newFixedThreadPool(posters.size())) {
            List<Future<?>> posting = posters.stream().<Future<?>>map(p -> pool.submit(p)).toList();
            Await.until(WAIT, "posts acknowledged through every instance", () -> posters.stream().allMatch(p -> p.acknowledged.size() >= 5));
            instances.get(2).kill();
            Await.until(WAIT, "the killed instance's partitions owned by the two others", () -> ownedPartitions(2),
                    owned -> owned.size() == 6 && new HashSet<>(owned).size() == 6);
            int before = posters.get(3).acknowledged.size();
            Await.until(WAIT, "posts acknowledged after the kill", () -> posters.get(3).acknowledged.size() >= before + 10);
            posters.forEach(p -> p.stop.set(true));
            for (Future<?> f : posting) {
                f.get(2, TimeUnit.MINUTES);
            }
        }
        for (Poster p : posters) {
            awaitStored(p.group, new HashSet<>(p.acknowledged), api(0));
        }
        // Right after their last answers, the two others die too: what they acknowledged is only in Kafka.
        List<String> lastBurst = new ArrayList<>();
        for (int n = 0; n < 10; n++) {
            String clientId = "last-" + n;
            assertThat(post(api(n % 2), owner, groups.get(3), clientId, clientId).status()).isEqualTo(202);
            lastBurst.add(clientId);
        }
        instances.get(0).kill();
        instances.get(1).kill();
        instances.set(2, cluster.restart(instances.get(2)));
        for (Poster p : posters) {
            assertThat(p.unexpected).as("answers other than 202 and 503 kafka_unavailable").isEmpty();
            Set<String> expected = new HashSet<>(p.acknowledged);
            if (p == posters.get(3)) {
                expected.addAll(lastBurst);
            }
            assertGapFreeAndOnce(awaitStored(p.group, expected, api(2)), expected);
        }
    }

    /**
     * Posts with client ids prefix-0, prefix-1, ... round-robin over its instances until stopped (at most 2,000 or
     * 3 minutes), one at a time: 202 counts as acknowledged; 503 kafka_unavailable and a refused connection (a killed
     * instance) as not; anything else is unexpected.
     */
    static final class Poster implements Runnable {
        final List<Api> apis;
        final String group;
        final String prefix;
        final AtomicBoolean stop = new AtomicBoolean();
        final List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        final List<String> refused = Collections.synchronizedList(new ArrayList<>());
        final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());

        Poster(List<Api> apis, String group, String prefix) {
            this.apis = apis;
            this.group = group;
            this.prefix = prefix;
        }

        @Override
        public void run() {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
            for (int n = 0; n < 2000 && !stop.get() && Instant.now().isBefore(deadline); n++) {
                String clientId = prefix + "-" + n;
                Response r;
                try {
                    r = post(apis.get(n % apis.size()), owner, group, clientId, clientId);
                } catch (IllegalStateException connectionRefused) {
                    refused.add(clientId);
                    continue;
                }
                if (r.status() == 202) {
                    acknowledged.add(clientId);
                } else if (r.status() == 503 && "kafka_unavailable".equals(r.text("error"))) {
                    refused.add(clientId);
                } else {
                    unexpected.add(clientId + ": " + r);
                }
            }
        }
    }

    /** Waits until every expected client id is in the group's history; returns the history. */
    static List<JsonNode> awaitStored(String group, Set<String> clientIds, Api api) {
        return Await.until(WAIT, clientIds.size() + " acknowledged messages stored in " + group, () -> history(group, api),
                h -> h.stream().map(m -> m.path("clientMessageId").asString("")).collect(Collectors.toSet()).containsAll(clientIds));
    }

    static List<JsonNode> awaitStored(String group, List<String> clientIds) {
        return awaitStored(group, new HashSet<>(clientIds), api(0));
    }

    /**
     * Seqs 1..N, each client id once, and one poster's acknowledged messages in the order it posted them (a post
     * answered 503 may be stored or not, and its place is not promised).
     */
    static void assertGapFreeAndOnce(List<JsonNode> history, Set<String> acknowledged) {
        assertThat(history.stream().map(m -> m.path("seq").asLong()).toList()).isEqualTo(LongStream.rangeClosed(1, history.size()).boxed().toList());
        List<String> clientIds = history.stream().map(m -> m.path("clientMessageId").asString("")).toList();
        assertThat(new HashSet<>(clientIds)).as("no client id twice").hasSize(clientIds.size());
        Map<String, Integer> lastByPrefix = new HashMap<>();
        for (String id : clientIds) {
            if (!acknowledged.contains(id)) {
                continue;
            }
            int dash = id.lastIndexOf('-');
            int n = Integer.parseInt(id.substring(dash + 1));
            Integer last = lastByPrefix.put(id.substring(0, dash), n);
            assertThat(last == null || last < n).as("%s after %s", id, last).isTrue();
        }
    }

    /** The partitions the first {@code count} instances say they own (the health answer instead, if one is not up). */
    static List<String> ownedPartitions(int count) {
        List<String> owned = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Response detailed = api(i).get("/health/detailed", null);
            JsonNode kafka = detailed.json().path("checks").path("kafka");
            if (detailed.status() != 200 || !"up".equals(kafka.path("status").asString())
                    || kafka.path("brokers").asInt() != 1 || !topic.equals(kafka.path("topic").asString())) {
                return List.of(detailed.toString());
            }
            kafka.path("consumer").path("partitions").propertyNames().forEach(owned::add);
        }
        return owned;
    }

    static List<String> contentsFrom(List<JsonNode> history, String prefix) {
        return history.stream().map(m -> m.path("content").asString()).filter(c -> c.startsWith(prefix))
                .map(c -> c.substring(prefix.length())).toList();
    }

    static Api api(int i) {
        return instances.get(i).api();
    }

    static Response post(Api api, Session who, String group, String content, String clientMessageId) {
        Map<String, Object> body = new HashMap<>(Map.of("content", content, "targetType", "group", "targetIds", List.of(group)));
        if (clientMessageId != null) {
            body.put("clientMessageId", clientMessageId);
        }
        return api.post("/api/messages", who.accessToken(), body);
    }

    static String groupWithMember(String name) {
        String group = api(0).createGroup(owner.accessToken(), name);
        assertThat(api(0).post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status()).isEqualTo(201);
        return group;
    }

    static WsClient subscribed(Api api, Session who, String group) {
        WsClient ws = WsClient.connect(api, who.accessToken());
        ws.send(Map.of("type", "subscribe", "groupId", group));
        assertThat(ws.awaitType("subscribed").path("groupId").asString()).isEqualTo(group);
        return ws;
    }

    static List<JsonNode> history(String group) {
        return history(group, api(0));
    }

    static List<JsonNode> history(String group, Api api) {
        List<JsonNode> all = new ArrayList<>();
        long after = 0;
        while (true) {
            Response page = api.get("/api/groups/" + group + "/messages?afterSeq=" + after + "&limit=200", owner.accessToken());
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.json().path("messages").forEach(all::add);
            if (!page.json().path("hasMore").asBoolean() || all.isEmpty()) {
                return all;
            }
            after = all.getLast().path("seq").asLong();
        }
    }

    static long parkedRows() {
        return cluster.queryLong("SELECT count(*) FROM kafka_parked_records WHERE topic = '" + topic + "'");
    }

    /** chorus_kafka_parked_total summed over the live instances. */
    static long parkedCounted() {
        long total = 0;
        for (ChorusProcess p : instances) {
            if (!p.isAlive()) {
                continue;
            }
            String metrics = p.api().get("/metrics", null).raw().body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("chorus_kafka_parked_total")) {
                    total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return total;
    }
}
