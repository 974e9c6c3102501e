package dev.chorus.groups;

import java.time.Instant;
import java.util.UUID;

/**
 * A stored message; {@code seq} numbers the group's messages 1, 2, 3, ... with no gap. A seq of 0 marks a message
 * accepted but not stored yet (the Kafka pipeline's answer to a post).
 */
public record Message(UUID id, UUID groupId, long seq, UUID senderId, String content, String clientMessageId,
        Instant createdAt) {
}
