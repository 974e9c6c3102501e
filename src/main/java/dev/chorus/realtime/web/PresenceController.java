package dev.chorus.realtime.web;

import dev.chorus.auth.CurrentUser;
import dev.chorus.auth.UserDirectory;
import dev.chorus.auth.UserSummary;
import dev.chorus.groups.GroupService;
import dev.chorus.ops.Ids;
import dev.chorus.presence.OnlineUser;
import dev.chorus.presence.Presence;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/groups/{groupId}/presence}: who has a live connection subscribed to the group, on any instance. */
@RestController
class PresenceController {

    private final GroupService groups;
    private final Presence presence;
    private final UserDirectory users;

    PresenceController(GroupService groups, Presence presence, UserDirectory users) {
        this.groups = groups;
        this.presence = presence;
        this.users = users;
    }

    @GetMapping("/api/groups/{groupId}/presence")
    Map<String, Object> presence(CurrentUser caller, @PathVariable String groupId) {
        UUID id = Ids.parse(groupId, "group");
        groups.requireMember(id, caller.id());
        List<OnlineUser> online = presence.online(id);
        Map<UUID, UserSummary> names = users.findAll(online.stream().map(OnlineUser::userId).toList());
        List<Map<String, Object>> body = online.stream().map(u -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("userId", u.userId().toString());
            entry.put("displayName", names.containsKey(u.userId()) ? names.get(u.userId()).displayName() : null);
            entry.put("instances", u.instances());
            return entry;
        }).toList();
        return Map.of("online", body);
    }
}
