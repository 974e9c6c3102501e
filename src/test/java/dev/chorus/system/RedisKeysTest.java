package dev.chorus.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

class RedisKeysTest {

    final RedisKeys cluster = new RedisKeys("chorus:", true);
    final RedisKeys single = new RedisKeys("chorus:", false);

    @Test
    void onOneServerATagIsPlainTextSoKeyNamesStayAsTheyWere() {
        assertThat(single.key("sess", single.tag("abc"))).isEqualTo("chorus:sess:abc");
        assertThat(single.key(single.tag("leader") + "-epoch")).isEqualTo("chorus:leader-epoch");
        assertThat(single.key(single.tag("bus"), "messages")).isEqualTo("chorus:bus:messages");
    }

    @Test
    void onAClusterKeysWithTheSameTagShareAHashSlot() {
        String sid = "0b7e8d4c-2f51-4c2a-9d3e-5a6b7c8d9e0f";
        String session = cluster.key("sess", cluster.tag(sid));
        assertThat(session).isEqualTo("chorus:sess:{" + sid + "}");
        assertThat(SlotHash.getSlot(cluster.key("sess-rotated", cluster.tag(sid)))).isEqualTo(SlotHash.getSlot(session))
                .isEqualTo(SlotHash.getSlot(cluster.key("revoked-sess", cluster.tag(sid))));
        assertThat(SlotHash.getSlot(cluster.key(cluster.tag("leader")))).isEqualTo(SlotHash.getSlot(cluster.key(cluster.tag("leader") + "-epoch")));
        String group = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
        assertThat(SlotHash.getSlot(cluster.key("presence", cluster.tag(group))))
                .isEqualTo(SlotHash.getSlot(cluster.key("presence", cluster.tag(group), "some-user")));
        assertThat(SlotHash.getSlot(cluster.key(cluster.tag("bus"), "messages")))
                .isEqualTo(SlotHash.getSlot(cluster.key(cluster.tag("bus"), "probe", "chorus-1")));
    }

    @Test
    void differentTagsSpreadOverTheSlots() {
        long slots = java.util.stream.IntStream.range(0, 100)
                .map(i -> SlotHash.getSlot(cluster.key("sess", cluster.tag("session-" + i)))).distinct().count();
        assertThat(slots).as("distinct slots of 100 sessions").isGreaterThan(90);
    }
}
