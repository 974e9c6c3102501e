package dev.chorus.groups.web;

import dev.chorus.auth.CurrentUser;
import dev.chorus.auth.UserSummary;
import dev.chorus.groups.Group;
import dev.chorus.groups.GroupService;
import dev.chorus.ops.Ids;
import jakarta.validation.Valid;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** SPEC §3 Groups: create, list mine, add and remove members. */
@RestController
@RequestMapping("/api/groups")
class GroupController {

    private final GroupService groups;

    GroupController(GroupService groups) {
        this.groups = groups;
    }

    @PostMapping
    ResponseEntity<GroupView> create(CurrentUser caller, @Valid @RequestBody GroupRequests.CreateGroup body) {
        Group group = groups.create(caller.id(), body.name());
        return ResponseEntity.status(HttpStatus.CREATED).body(GroupView.of(group));
    }

    @GetMapping
    Map<String, List<GroupView>> mine(CurrentUser caller) {
        return Map.of("groups", groups.groupsOf(caller.id()).stream().map(GroupView::of).toList());
    }

    @PostMapping("/{groupId}/members")
    ResponseEntity<Map<String, String>> addMember(CurrentUser caller, @PathVariable String groupId,
            @Valid @RequestBody GroupRequests.AddMember body) {
        UserSummary user = groups.addMember(Ids.parse(groupId, "group"), caller.id(), body.email());
        return ResponseEntity.status(HttpStatus.CREATED).body(Map.of(
                "groupId", groupId, "userId", user.id().toString(), "email", user.email(), "displayName", user.displayName()));
    }

    @DeleteMapping("/{groupId}/members/{userId}")
    ResponseEntity<Void> removeMember(CurrentUser caller, @PathVariable String groupId, @PathVariable String userId) {
        groups.removeMember(Ids.parse(groupId, "group"), caller.id(), Ids.parse(userId, "member"));
        return ResponseEntity.noContent().build();
    }

    record GroupView(String id, String name, String ownerId, String createdAt) {
        static GroupView of(Group g) {
            return new GroupView(g.id().toString(), g.name(), g.ownerId().toString(), g.createdAt().toString());
        }
    }
}
