package dev.chorus.groups;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Groups, members and history as SPEC §3 "Groups and messages" says, across two instances. */
class GroupsAndHistoryTest {

    static TestCluster cluster;
    static Api one;
    static Api two;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        List<TestCluster.Instance> instances = cluster.startMany(2);
        one = instances.get(0).api();
        two = instances.get(1).api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void creatingAGroupMakesTheCreatorItsOwnerAndMember() {
        Session owner = one.newUser("owner");
        Response created = one.post("/api/groups", owner.accessToken(), Map.of("name", "  Book club "));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("name")).isEqualTo("Book club");
        assertThat(created.text("ownerId")).isEqualTo(owner.userId());
        assertThat(created.text("createdAt")).isNotBlank();
        Response mine = two.get("/api/groups", owner.accessToken());
        assertThat(mine.json().path("groups").get(0).path("id").asString()).isEqualTo(created.text("id"));
    }

    @Test
    void onlyTheOwnerAddsMembersAndMembersMayLeave() {
        Session owner = one.newUser("owner");
        Session member = one.newUser("member");
        Session outsider = one.newUser("outsider");
        String group = one.createGroup(owner.accessToken(), "club");

        Response added = two.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email()));
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.text("userId")).isEqualTo(member.userId());
        assertThat(two.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email())).status()).isEqualTo(409);
        assertThat(one.post("/api/groups/" + group + "/members", member.accessToken(), Map.of("email", outsider.email())).status()).isEqualTo(403);
        assertThat(one.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", "nobody@example.test")).status()).isEqualTo(404);

        assertThat(one.get("/api/groups", member.accessToken()).json().path("groups")).hasSize(1);
        assertThat(one.delete("/api/groups/" + group + "/members/" + owner.userId(), member.accessToken()).status()).isEqualTo(403);
        assertThat(one.delete("/api/groups/" + group + "/members/" + member.userId(), member.accessToken()).status()).isEqualTo(204);
        assertThat(one.get("/api/groups", member.accessToken()).json().path("groups")).isEmpty();
        assertThat(one.get("/api/groups/" + group + "/messages", member.accessToken()).status()).isEqualTo(403);
        assertThat(one.delete("/api/groups/" + group + "/members/" + member.userId(), owner.accessToken()).status()).isEqualTo(404);
        assertThat(one.delete("/api/groups/" + group + "/members/" + owner.userId(), owner.accessToken()).status()).isEqualTo(409);
    }

    @Test
    void theOwnerRemovesAMember() {
        Session owner = one.newUser("owner");
        Session member = one.newUser("member");
        String group = one.createGroup(owner.accessToken(), "club");
        one.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email()));
        assertThat(two.delete("/api/groups/" + group + "/members/" + member.userId(), owner.accessToken()).status()).isEqualTo(204);
        assertThat(two.post("/api/messages", member.accessToken(), message("hi", group)).status()).isEqualTo(403);
    }

    @Test
    void aMessageToSeveralGroupsGetsItsOwnSeqInEach() {
        Session owner = one.newUser("multi");
        String a = one.createGroup(owner.accessToken(), "a");
        String b = one.createGroup(owner.accessToken(), "b");
        one.post("/api/messages", owner.accessToken(), message("first in a", a));
        Response both = two.post("/api/messages", owner.accessToken(), message("to both", a, b));
        assertThat(both.status()).isEqualTo(201);
        Map<String, Long> seqByGroup = new java.util.HashMap<>();
        for (JsonNode m : both.json().path("messages")) {
            seqByGroup.put(m.path("groupId").asString(), m.path("seq").asLong());
            assertThat(m.path("senderId").asString()).isEqualTo(owner.userId());
            assertThat(m.path("content").asString()).isEqualTo("to both");
            assertThat(m.path("id").asString()).isNotBlank();
            assertThat(m.path("createdAt").asString()).isNotBlank();
        }
        assertThat(seqByGroup).containsEntry(a, 2L).containsEntry(b, 1L);
    }

    @Test
    void historyPagesBySeqWithAfterSeqBeforeSeqAndLimit() {
        Session owner = one.newUser("history");
        String group = one.createGroup(owner.accessToken(), "h");
        for (int i = 1; i <= 12; i++) {
            assertThat((i % 2 == 0 ? one : two).post("/api/messages", owner.accessToken(), message("m" + i, group)).status()).isEqualTo(201);
        }
        String path = "/api/groups/" + group + "/messages";

        Response latest = one.get(path + "?limit=5", owner.accessToken());
        assertThat(seqs(latest)).containsExactly(8L, 9L, 10L, 11L, 12L);
        assertThat(latest.json().path("hasMore").asBoolean()).isTrue();

        Response after = two.get(path + "?afterSeq=9", owner.accessToken());
        assertThat(seqs(after)).containsExactly(10L, 11L, 12L);
        assertThat(after.json().path("hasMore").asBoolean()).isFalse();

        Response before = one.get(path + "?beforeSeq=4&limit=2", owner.accessToken());
        assertThat(seqs(before)).containsExactly(2L, 3L);
        assertThat(before.json().path("hasMore").asBoolean()).isTrue();

        Response window = one.get(path + "?afterSeq=3&beforeSeq=7&limit=2", owner.accessToken());
        assertThat(seqs(window)).containsExactly(4L, 5L);
        assertThat(window.json().path("hasMore").asBoolean()).isTrue();

        Response all = one.get(path, owner.accessToken());
        assertThat(seqs(all)).hasSize(12).isSorted();
        assertThat(all.json().path("hasMore").asBoolean()).isFalse();
        assertThat(all.json().path("messages").get(0).path("content").asString()).isEqualTo("m1");
    }

    @Test
    void historyOfAnUnknownGroupIsNotFoundAndOfAForeignGroupForbidden() {
        Session owner = one.newUser("owner");
        Session stranger = one.newUser("stranger");
        String group = one.createGroup(owner.accessToken(), "private");
        assertThat(one.get("/api/groups/" + group + "/messages", stranger.accessToken()).status()).isEqualTo(403);
        assertThat(one.get("/api/groups/00000000-0000-0000-0000-000000000000/messages", stranger.accessToken()).status()).isEqualTo(404);
    }

    static Map<String, Object> message(String content, String... groups) {
        return Map.of("content", content, "targetType", "group", "targetIds", List.of(groups));
    }

    static List<Long> seqs(Response r) {
        List<Long> seqs = new ArrayList<>();
        r.json().path("messages").forEach(m -> seqs.add(m.path("seq").asLong()));
        return seqs;
    }
}
