package dev.chorus.groups;

import dev.chorus.auth.UserDirectory;
import dev.chorus.auth.UserSummary;
import dev.chorus.groups.internal.GroupStore;
import dev.chorus.ops.ApiException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creating groups and managing who is in them; also answers "may this user see this group?" for other modules. */
@Service
public class GroupService {

    private final GroupStore groups;
    private final UserDirectory users;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    GroupService(GroupStore groups, UserDirectory users, Clock clock, ApplicationEventPublisher events) {
        this.events = events;
        this.groups = groups;
        this.users = users;
        this.clock = clock;
    }

    @Transactional
    public Group create(UUID ownerId, String name) {
        Group group = new Group(UUID.randomUUID(), name.trim(), ownerId, clock.instant());
        groups.insert(group);
        groups.addMember(group.id(), ownerId, group.createdAt());
        return group;
    }

    public List<Group> groupsOf(UUID userId) {
        return groups.groupsOf(userId);
    }

    /** The group, if it exists and the user is a member: 404 for an unknown group, 403 for a non-member. */
    public Group requireMember(UUID groupId, UUID userId) {
        GroupStore.Membership seen = groups.membership(groupId, userId).orElseThrow(() -> ApiException.notFound("group"));
        if (!seen.member()) {
            throw ApiException.forbidden("you are not a member of this group");
        }
        return seen.group();
    }

    /** Of these (group, user) pairs, the ones that are still memberships; one query. */
    public Set<Map.Entry<UUID, UUID>> stillMembers(Collection<Map.Entry<UUID, UUID>> pairs) {
        return groups.stillMembers(pairs);
    }

    public boolean isMember(UUID groupId, UUID userId) {
        return groups.isMember(groupId, userId);
    }

    public UserSummary addMember(UUID groupId, UUID callerId, String email) {
        Group group = groups.find(groupId).orElseThrow(() -> ApiException.notFound("group"));
        if (!group.ownerId().equals(callerId)) {
            throw ApiException.forbidden("only the group's owner can add members");
        }
        UserSummary user = users.findByEmail(email.trim()).orElseThrow(() -> ApiException.notFound("user"));
        if (!groups.addMember(groupId, user.id(), clock.instant())) {
            throw new ApiException(HttpStatus.CONFLICT, "already_member", "this user is already a member");
        }
        return user;
    }

    public void removeMember(UUID groupId, UUID callerId, UUID userId) {
        Group group = groups.find(groupId).orElseThrow(() -> ApiException.notFound("group"));
        boolean owner = group.ownerId().equals(callerId);
        if (!owner && !callerId.equals(userId)) {
            throw ApiException.forbidden("only the owner can remove other members");
        }
        if (group.ownerId().equals(userId)) {
            throw new ApiException(HttpStatus.CONFLICT, "owner_cannot_leave", "the owner cannot leave the group");
        }
        if (!groups.removeMember(groupId, userId)) {
            throw ApiException.notFound("member");
        }
        events.publishEvent(new MemberRemoved(groupId, userId));
    }
}
