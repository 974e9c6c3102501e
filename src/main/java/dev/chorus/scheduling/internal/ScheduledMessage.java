package dev.chorus.scheduling.internal;

import java.time.Instant;
import java.util.UUID;

/** A one-off ({@code sendAt}) or recurring ({@code cron} + {@code timezone}) message; {@code nextRunAt} null when done. */
public record ScheduledMessage(UUID id, UUID groupId, UUID createdBy, String content, Instant sendAt, String cron,
        String timezone, Instant nextRunAt, Instant createdAt) {
}
