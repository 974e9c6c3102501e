package dev.chorus.auth.internal;

import dev.chorus.auth.UserDirectory;
import dev.chorus.auth.UserSummary;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Users in PostgreSQL. E-mails are stored lower-cased and unique. */
@Repository
public class UserStore implements UserDirectory {

    private final JdbcClient jdbc;

    UserStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts the user; a taken e-mail surfaces as Spring's DuplicateKeyException. */
    void insert(User user) {
        jdbc.sql("INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)")
                .params(user.id(), user.email(), user.displayName(), user.passwordHash(), Timestamp.from(user.createdAt()))
                .update();
    }

    Optional<User> findUserByEmail(String email) {
        return jdbc.sql("SELECT * FROM users WHERE email = ?").param(email.toLowerCase()).query(UserStore::map).optional();
    }

    Optional<User> findUser(UUID id) {
        return jdbc.sql("SELECT * FROM users WHERE id = ?").param(id).query(UserStore::map).optional();
    }

    @Override
    public Optional<UserSummary> findByEmail(String email) {
        return findUserByEmail(email).map(UserStore::summary);
    }

    @Override
    public Map<UUID, UserSummary> findAll(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        return jdbc.sql("SELECT * FROM users WHERE id = ANY(?)")
                .param(ids.toArray(UUID[]::new))
                .query(UserStore::map).list().stream()
                .map(UserStore::summary)
                .collect(Collectors.toMap(UserSummary::id, Function.identity()));
    }

    private static UserSummary summary(User u) {
        return new UserSummary(u.id(), u.email(), u.displayName());
    }

    private static User map(ResultSet rs, int row) throws SQLException {
        Instant created = rs.getTimestamp("created_at").toInstant();
        return new User(rs.getObject("id", UUID.class), rs.getString("email"), rs.getString("display_name"),
                rs.getString("password_hash"), created);
    }
}
