package dev.chorus.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The users and groups of a fan-out run, created through the API as the layout says: publisher user 0 creates the
 * groups, the other publisher users join all of them, each subscriber user joins the groups of its own sockets.
 */
record FanOutFixture(List<String> publisherTokens, List<String> subscriberTokens, List<String> groupIds) {

    static FanOutFixture create(BenchApi api, FanOutLayout layout, String runId) {
        List<String> pubEmails = emails(runId, "p", layout.publisherUsers());
        List<String> subEmails = emails(runId, "s", layout.subscriberUsers());
        List<String> pubTokens = tokens(api, pubEmails);
        List<String> subTokens = tokens(api, subEmails);
        String owner = pubTokens.getFirst();
        List<String> groupIds = BenchApi.inParallel(layout.groups(), g -> api.createGroup(owner, "bench " + runId + " " + g));
        List<Runnable> joins = new ArrayList<>();
        for (int u = 1; u < pubEmails.size(); u++) {
            for (String group : groupIds) {
                String email = pubEmails.get(u);
                joins.add(() -> api.addMember(owner, group, email));
            }
        }
        List<TreeSet<Integer>> groupsOfUser = layout.subscriberUserGroups();
        for (int u = 0; u < subEmails.size(); u++) {
            for (int g : groupsOfUser.get(u)) {
                String email = subEmails.get(u);
                joins.add(() -> api.addMember(owner, groupIds.get(g), email));
            }
        }
        BenchApi.inParallel(joins.size(), i -> {
            joins.get(i).run();
            return i;
        });
        return new FanOutFixture(pubTokens, subTokens, groupIds);
    }

    private static List<String> emails(String runId, String kind, int n) {
        List<String> emails = new ArrayList<>();
        for (int u = 0; u < n; u++) {
            emails.add("bench-" + runId + "-" + kind + u + "@example.test");
        }
        return emails;
    }

    private static List<String> tokens(BenchApi api, List<String> emails) {
        return BenchApi.inParallel(emails.size(), u -> api.newUser(emails.get(u)).path("accessToken").asString());
    }
}
