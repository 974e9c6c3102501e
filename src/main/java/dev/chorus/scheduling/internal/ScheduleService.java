package dev.chorus.scheduling.internal;

import dev.chorus.auth.CurrentUser;
import dev.chorus.groups.Group;
import dev.chorus.groups.GroupService;
import dev.chorus.ops.ApiException;
import dev.chorus.scheduling.SchedulingProperties;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creating, listing and deleting schedules, with the SPEC's rules. */
@Service
public class ScheduleService {

    /** SPEC §3: a {@code sendAt} outside these years (in UTC) is refused with 400. */
    static final int FIRST_YEAR = 2000;
    static final int LAST_YEAR = 9999;

    private final ScheduleStore store;
    private final GroupService groups;
    private final SchedulingProperties properties;
    private final Clock clock;

    ScheduleService(ScheduleStore store, GroupService groups, SchedulingProperties properties, Clock clock) {
        this.store = store;
        this.groups = groups;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * A one-off message at {@code sendAt}, or a recurring one by {@code cron} in {@code timezone}. Past
     * SCHEDULES_PER_USER active schedules of the caller (one-offs not yet sent, recurring ones that will fire again)
     * it is 422 {@code limit_exceeded}; the count and the insert are one transaction that holds a lock per user, so
     * parallel requests cannot both take the last place.
     */
    @Transactional
    public ScheduledMessage create(CurrentUser caller, UUID groupId, String content, Instant sendAt, String cron, String timezone) {
        groups.requireMember(groupId, caller.id());
        Instant now = clock.instant();
        Instant nextRunAt;
        String zone = null;
        if (sendAt != null) {
            int year = sendAt.atOffset(ZoneOffset.UTC).getYear();
            if (year < FIRST_YEAR || year > LAST_YEAR) {
                throw ApiException.badRequest("sendAt must fall in the years " + FIRST_YEAR + " to " + LAST_YEAR + " (UTC)");
            }
            if (!sendAt.isAfter(now)) {
                throw invalid("send_at_in_past", "sendAt must be in the future");
            }
            nextRunAt = sendAt;
        } else {
            Recurrence recurrence = parse(cron, timezone);
            zone = recurrence.zone().getId();
            nextRunAt = recurrence.next(now).orElseThrow(() -> invalid("invalid_cron", "this cron expression never fires"));
        }
        requireRoomFor(caller.id());
        ScheduledMessage schedule = new ScheduledMessage(UUID.randomUUID(), groupId, caller.id(), content, sendAt, cron == null ? null : cron.trim(),
                zone, nextRunAt, now);
        store.insert(schedule);
        return schedule;
    }

    /** The schedules of a group (members only), or without a group the caller's own. */
    public List<ScheduledMessage> list(CurrentUser caller, UUID groupId) {
        if (groupId == null) {
            return store.byCreator(caller.id());
        }
        groups.requireMember(groupId, caller.id());
        return store.byGroup(groupId);
    }

    /** Its creator or the group's owner may delete a schedule; to anyone else who cannot see it, it does not exist. */
    public void delete(CurrentUser caller, UUID id) {
        ScheduledMessage schedule = store.find(id).orElseThrow(() -> ApiException.notFound("scheduled message"));
        if (!schedule.createdBy().equals(caller.id())) {
            if (!groups.isMember(schedule.groupId(), caller.id())) {
                throw ApiException.notFound("scheduled message");
            }
            Group group = groups.requireMember(schedule.groupId(), caller.id());
            if (!group.ownerId().equals(caller.id())) {
                throw ApiException.forbidden("only its creator or the group's owner can delete a scheduled message");
            }
        }
        store.delete(id);
    }

    private void requireRoomFor(UUID userId) {
        int limit = properties.perUserLimit();
        if (limit <= 0) {
            return;
        }
        store.lockCreator(userId);
        if (store.countActiveByCreator(userId) >= limit) {
            throw invalid("limit_exceeded", "you already have " + limit
                    + " active scheduled or recurring messages; delete one to schedule another");
        }
    }

    private static Recurrence parse(String cron, String timezone) {
        try {
            return Recurrence.parse(cron, timezone).requireAtMostOnceAMinute();
        } catch (Recurrence.InvalidSchedule e) {
            throw new ApiException(HttpStatus.valueOf(e.status()), e.code(), e.getMessage());
        }
    }

    private static ApiException invalid(String code, String message) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, code, message);
    }
}
