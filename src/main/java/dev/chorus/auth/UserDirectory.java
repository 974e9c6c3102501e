package dev.chorus.auth;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Looks users up for other modules (groups adds members by e-mail, presence shows display names). */
public interface UserDirectory {

    Optional<UserSummary> findByEmail(String email);

    Map<UUID, UserSummary> findAll(Collection<UUID> ids);
}
