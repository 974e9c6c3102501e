package dev.chorus.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.groups.internal.KafkaBatchWriter;
import dev.chorus.groups.internal.LoggedMessage;
import dev.chorus.groups.internal.MessageStore;
import dev.chorus.groups.internal.ParkedRecords;
import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;

/**
 * The Kafka pipeline's consumer-side write, on the real PostgreSQL without a broker: records read again (a
 * rebalance, a consumer killed before its offset commit) or put twice on the topic (a client retrying through two
 * instances) are stored once; seqs follow record order; what can never be stored is parked, once, and does not hold
 * back the records after it.
 */
class KafkaBatchWriterTest {

    static final String TOPIC = "chorus.messages";
    static TestCluster cluster;
    static TestCluster.Instance instance;
    static KafkaBatchWriter writer;
    static Session owner;
    static Session member;
    static long offset;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        instance = cluster.start("chorus-1");
        writer = new KafkaBatchWriter(instance.bean(MessageStore.class), instance.bean(ParkedRecords.class),
                instance.bean(PlatformTransactionManager.class), instance.context(), Clock.systemUTC());
        owner = instance.api().newUser("owner");
        member = instance.api().newUser("member");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void recordsReadAgainAreStoredOnceAndSeqsFollowRecordOrder() {
        UUID group = group("again");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            records.add(record(draft(group, owner, "m" + i, null)));
        }
        assertThat(writer.write(records.subList(0, 3))).isEqualTo(new KafkaBatchWriter.Outcome(3, 0, 0));
        // The partition's next owner starts from the last committed offset, before these three.
        assertThat(writer.write(records)).isEqualTo(new KafkaBatchWriter.Outcome(2, 3, 0));
        assertThat(contentsBySeq(group)).containsExactly("m1", "m2", "m3", "m4", "m5");
    }

    @Test
    void theSameClientMessageTwiceOnTheTopicIsStoredOnceInOneBatchOrAcrossBatches() {
        UUID group = group("retries");
        Message first = draft(group, owner, "hello", "c-1");
        Message retry = draft(group, owner, "hello", "c-1"); // another instance's append of the same post
        Message other = draft(group, member, "hi", "c-1"); // another sender may use the same client id
        assertThat(writer.write(List.of(record(first), record(retry), record(other)))).isEqualTo(new KafkaBatchWriter.Outcome(2, 1, 0));
        assertThat(writer.write(List.of(record(draft(group, owner, "hello", "c-1"))))).isEqualTo(new KafkaBatchWriter.Outcome(0, 1, 0));
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(2);
        assertThat(cluster.queryLong("SELECT max(seq) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(2);
    }

    @Test
    void aRecordThatCanNeverBeStoredIsParkedOnceAndTheNextOnesAreStored() {
        UUID group = group("poison");
        UUID gone = UUID.randomUUID();
        ConsumerRecord<String, byte[]> toNowhere = record(draft(gone, owner, "to a deleted group", null));
        ConsumerRecord<String, byte[]> garbage = new ConsumerRecord<>(TOPIC, 0, offset++, group.toString(),
                "{not json".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<String, byte[]> after = record(draft(group, owner, "after", null));
        long parkedBefore = parked();
        assertThat(writer.write(List.of(toNowhere, garbage, after))).isEqualTo(new KafkaBatchWriter.Outcome(1, 0, 2));
        assertThat(writer.write(List.of(toNowhere, garbage, after))).as("read again: parked before, stored before")
                .isEqualTo(new KafkaBatchWriter.Outcome(0, 1, 0));
        assertThat(parked() - parkedBefore).isEqualTo(2);
        assertThat(contentsBySeq(group)).containsExactly("after");
        assertThat(cluster.queryLong("SELECT count(*) FROM kafka_parked_records WHERE reason LIKE 'unreadable%' AND \"offset\" = "
                + garbage.offset())).isEqualTo(1);
    }

    @Test
    void aSenderRemovedBeforeItsMessageIsStoredHasItParked() {
        UUID group = group("removed");
        Message accepted = draft(group, member, "sent while a member", null);
        cluster.update("DELETE FROM group_members WHERE group_id = '" + group + "' AND user_id = '" + member.userId() + "'");
        assertThat(writer.write(List.of(record(accepted), record(draft(group, owner, "next", null)))))
                .isEqualTo(new KafkaBatchWriter.Outcome(1, 0, 1));
        assertThat(contentsBySeq(group)).containsExactly("next");
    }

    @Test
    void aRecordValueThatIsNoMessageIsRefusedByTheReader() {
        assertThatThrownBy(() -> LoggedMessage.decode("{\"v\":2}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(LoggedMessage.Unreadable.class);
        assertThatThrownBy(() -> LoggedMessage.decode(null)).isInstanceOf(LoggedMessage.Unreadable.class);
        Message m = draft(UUID.randomUUID(), owner, "round trip ✓", "c-9");
        assertThat(LoggedMessage.decode(LoggedMessage.encode(m))).isEqualTo(m);
    }

    static UUID group(String name) {
        String id = instance.api().createGroup(owner.accessToken(), name);
        assertThat(instance.api().post("/api/groups/" + id + "/members", owner.accessToken(), Map.of("email", member.email())).status())
                .isEqualTo(201);
        return UUID.fromString(id);
    }

    static Message draft(UUID group, Session sender, String content, String clientMessageId) {
        return new Message(UUID.randomUUID(), group, 0, UUID.fromString(sender.userId()), content, clientMessageId,
                Instant.now().truncatedTo(ChronoUnit.MICROS));
    }

    static synchronized ConsumerRecord<String, byte[]> record(Message m) {
        return new ConsumerRecord<>(TOPIC, 0, offset++, m.groupId().toString(), LoggedMessage.encode(m));
    }

    /** The group's history as its members read it, in seq order. */
    static List<String> contentsBySeq(UUID group) {
        Api.Response page = instance.api().get("/api/groups/" + group + "/messages?afterSeq=0&limit=200", owner.accessToken());
        assertThat(page.status()).as("%s", page).isEqualTo(200);
        List<String> contents = new ArrayList<>();
        long expectedSeq = 1;
        for (JsonNode m : page.json().path("messages")) {
            assertThat(m.path("seq").asLong()).as("gap-free seqs").isEqualTo(expectedSeq++);
            contents.add(m.path("content").asString());
        }
        return contents;
    }

    static long parked() {
        return instance.bean(ParkedRecords.class).count(TOPIC);
    }
}
