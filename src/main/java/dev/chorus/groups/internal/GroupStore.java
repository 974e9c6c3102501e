package dev.chorus.groups.internal;

import dev.chorus.groups.Group;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Groups and memberships in PostgreSQL. */
@Repository
public class GroupStore {

    /** The columns of a {@link Group}; last_seq is read only where seqs are handed out or compared. */
    private static final String GROUP = "id, name, owner_id, created_at";

    private final JdbcClient jdbc;

    GroupStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(Group group) {
        jdbc.sql("INSERT INTO groups (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)")
                .params(group.id(), group.name(), group.ownerId(), Timestamp.from(group.createdAt()))
                .update();
    }

    public Optional<Group> find(UUID id) {
        return jdbc.sql("SELECT " + GROUP + " FROM groups WHERE id = ?").param(id).query(GroupStore::map).optional();
    }

    /** The group and whether the user belongs to it, in one round trip; empty when no such group. */
    public Optional<Membership> membership(UUID groupId, UUID userId) {
        return jdbc.sql("""
                SELECT g.id, g.name, g.owner_id, g.created_at,
                       EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = ?) AS member
                FROM groups g WHERE g.id = ?""")
                .params(userId, groupId)
                .query((rs, row) -> new Membership(map(rs, row), rs.getBoolean("member"))).optional();
    }

    /** A group as seen by one user. */
    public record Membership(Group group, boolean member) {
    }

    public List<Group> findAll(Collection<UUID> ids) {
        return jdbc.sql("SELECT " + GROUP + " FROM groups WHERE id = ANY(?)").param(ids.toArray(UUID[]::new)).query(GroupStore::map).list();
    }

    public List<Group> groupsOf(UUID userId) {
        return jdbc.sql("""
                SELECT g.id, g.name, g.owner_id, g.created_at FROM groups g JOIN group_members m ON m.group_id = g.id
                WHERE m.user_id = ? ORDER BY g.created_at, g.id""")
                .param(userId).query(GroupStore::map).list();
    }

    /** Adds the member; false when they already were one. */
    public boolean addMember(UUID groupId, UUID userId, Instant at) {
        return jdbc.sql("INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .params(groupId, userId, Timestamp.from(at))
                .update() == 1;
    }

    public boolean removeMember(UUID groupId, UUID userId) {
        return jdbc.sql("DELETE FROM group_members WHERE group_id = ? AND user_id = ?").params(groupId, userId).update() == 1;
    }

    public boolean isMember(UUID groupId, UUID userId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?)")
                .params(groupId, userId).query(Boolean.class).single();
    }

    /** Of the given groups, how many exist and how many of those the user belongs to; one round trip. */
    public Access access(Collection<UUID> groupIds, UUID userId) {
        return jdbc.sql("""
                SELECT count(*) AS existing, count(m.user_id) AS member
                FROM groups g LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = ?
                WHERE g.id = ANY(?)""")
                .params(userId, groupIds.toArray(UUID[]::new))
                .query((rs, row) -> new Access(rs.getInt("existing"), rs.getInt("member"))).single();
    }

    /** How many target groups exist, and how many of them the user is a member of. */
    public record Access(int existing, int member) {
    }

    /** Of these (group, user) pairs, the ones present in group_members. */
    public Set<Map.Entry<UUID, UUID>> stillMembers(Collection<Map.Entry<UUID, UUID>> pairs) {
        Set<Map.Entry<UUID, UUID>> present = new HashSet<>();
        if (pairs.isEmpty()) {
            return present;
        }
        UUID[] groupIds = pairs.stream().map(Map.Entry::getKey).toArray(UUID[]::new);
        UUID[] userIds = pairs.stream().map(Map.Entry::getValue).toArray(UUID[]::new);
        jdbc.sql("""
                SELECT m.group_id, m.user_id FROM group_members m
                JOIN unnest(?::uuid[], ?::uuid[]) AS p(group_id, user_id) ON m.group_id = p.group_id AND m.user_id = p.user_id""")
                .params(groupIds, userIds)
                .query((ResultSet rs) -> {
                    while (rs.next()) {
                        present.add(Map.entry(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)));
                    }
                    return present;
                });
        return present;
    }

    public List<UUID> memberIds(UUID groupId) {
        return jdbc.sql("SELECT user_id FROM group_members WHERE group_id = ?").param(groupId).query(UUID.class).list();
    }

    /** The last seq handed out in each of these groups that exists, in one round trip. */
    public Map<UUID, Long> lastSeqs(Collection<UUID> groupIds) {
        Map<UUID, Long> seqs = new HashMap<>();
        jdbc.sql("SELECT id, last_seq FROM groups WHERE id = ANY(?)").param(groupIds.toArray(UUID[]::new))
                .query((ResultSet rs) -> {
                    while (rs.next()) {
                        seqs.put(rs.getObject(1, UUID.class), rs.getLong(2));
                    }
                    return seqs;
                });
        return seqs;
    }

    public long lastSeq(UUID groupId) {
        return jdbc.sql("SELECT last_seq FROM groups WHERE id = ?").param(groupId).query(Long.class).optional().orElse(0L);
    }

    private static Group map(ResultSet rs, int row) throws SQLException {
        return new Group(rs.getObject("id", UUID.class), rs.getString("name"), rs.getObject("owner_id", UUID.class),
                rs.getTimestamp("created_at").toInstant());
    }
}
