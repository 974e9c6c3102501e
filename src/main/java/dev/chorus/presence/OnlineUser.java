package dev.chorus.presence;

import java.util.List;
import java.util.UUID;

/** A user online in a group, with the instances holding their sockets. */
public record OnlineUser(UUID userId, List<String> instances) {
}
