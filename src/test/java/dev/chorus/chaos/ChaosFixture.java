package dev.chorus.chaos;

import dev.chorus.chaos.RunRecord.Stored;
import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A run's users and groups, made through the balancer: an owner with {@code groups} groups, four WebSocket
 * publishers, one REST publisher and one user per subscriber (so that presence shows each subscriber), every one a
 * member of every group.
 */
record ChaosFixture(Session owner, List<Session> wsPublishers, Session restPublisher, List<Session> subscribers,
        List<String> groups) {

    static ChaosFixture create(Api api, int subscribers, int groups) {
        Session owner = api.newUser("chaos-owner");
        // The server answers one socket's frames one after another: four sockets share the WebSocket half of the rate.
        List<Session> ws = List.of(api.newUser("chaos-ws-1"), api.newUser("chaos-ws-2"), api.newUser("chaos-ws-3"),
                api.newUser("chaos-ws-4"));
        Session rest = api.newUser("chaos-rest");
        List<Session> subs = new ArrayList<>();
        for (int i = 1; i <= subscribers; i++) {
            subs.add(api.newUser("chaos-sub-" + i));
        }
        List<String> ids = new ArrayList<>();
        for (int g = 1; g <= groups; g++) {
            String group = api.createGroup(owner.accessToken(), "chaos " + g);
            for (Session member : members(ws, rest, subs)) {
                Api.Response added = api.post("/api/groups/" + group + "/members", owner.accessToken(), Map.of("email", member.email()));
                if (added.status() != 201) {
                    throw new IllegalStateException("adding a member failed: " + added);
                }
            }
            ids.add(group);
        }
        return new ChaosFixture(owner, ws, rest, subs, ids);
    }

    private static List<Session> members(List<Session> ws, Session rest, List<Session> subs) {
        List<Session> all = new ArrayList<>(ws);
        all.add(rest);
        all.addAll(subs);
        return all;
    }

    /** Every stored message of the run's groups, read page by page. */
    List<Stored> history(Api api) {
        List<Stored> stored = new ArrayList<>();
        for (String group : groups) {
            long after = 0;
            while (true) {
                Api.Response page = api.get("/api/groups/" + group + "/messages?afterSeq=" + after + "&limit=200", owner.accessToken());
                if (page.status() != 200) {
                    throw new IllegalStateException("reading history failed: " + page);
                }
                for (JsonNode message : page.json().path("messages")) {
                    after = message.path("seq").asLong();
                    stored.add(new Stored(group, after, message.path("clientMessageId").asString()));
                }
                if (!page.json().path("hasMore").asBoolean()) {
                    break;
                }
            }
        }
        return stored;
    }

    /** Users the presence endpoint still shows online in any of the run's groups. */
    List<String> online(Api api) {
        List<String> online = new ArrayList<>();
        for (String group : groups) {
            Api.Response presence = api.get("/api/groups/" + group + "/presence", owner.accessToken());
            if (presence.status() != 200) {
                throw new IllegalStateException("reading presence failed: " + presence);
            }
            presence.json().path("online").forEach(u -> online.add(u.path("userId").asString() + " on " + u.path("instances")));
        }
        return online;
    }
}
