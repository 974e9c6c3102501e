package dev.chorus.scheduling.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.Set;
import org.springframework.scheduling.support.CronExpression;

/**
 * A cron expression in an IANA time zone. Accepts the usual five fields (minute hour day month weekday) or
 * Spring's six (with seconds first) as long as it fires at most once a minute. Occurrences follow local time across
 * daylight-saving changes: on the day 02:30 does not exist, "02:30 every day" fires at 03:30, and on the day 02:30
 * happens twice it fires once.
 */
record Recurrence(CronExpression cron, ZoneId zone) {

    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();
    private static final Duration MINIMUM_INTERVAL = Duration.ofMinutes(1);

    /** Parses both parts, or says which is wrong. */
    static Recurrence parse(String cron, String timezone) {
        String zoneName = timezone == null || timezone.isBlank() ? "UTC" : timezone.trim();
        if (!ZONES.contains(zoneName) && !"UTC".equals(zoneName)) {
            throw new InvalidSchedule(422, "invalid_timezone", "timezone must be an IANA zone such as Europe/Berlin");
        }
        String expression = cron.trim();
        if (expression.split("\\s+").length == 5) {
            expression = "0 " + expression;
        }
        CronExpression parsed;
        try {
            parsed = CronExpression.parse(expression);
        } catch (IllegalArgumentException e) {
            throw new InvalidSchedule(422, "invalid_cron", "cron must have five fields (minute hour day month weekday)");
        }
        return new Recurrence(parsed, ZoneId.of(zoneName));
    }

    /** Refuses (400) an expression that fires more than once a minute, as new schedules may not (SPEC §3). */
    Recurrence requireAtMostOnceAMinute() {
        if (severalSecondsAMinute()) {
            throw new InvalidSchedule(400, "validation_failed", "cron must fire at most once a minute: give one value for seconds");
        }
        return this;
    }

    /**
     * Whether the seconds field (the first of Spring's six, macros included) matches more than one second of a
     * minute. The other fields pick minutes, never seconds, so the expression fires more than once in some minute
     * exactly when its seconds field does.
     */
    private boolean severalSecondsAMinute() {
        CronExpression seconds = CronExpression.parse(cron.toString().trim().split("\\s+")[0] + " * * * * *");
        LocalDateTime minute = LocalDateTime.of(2000, 1, 1, 0, 0);
        LocalDateTime first = seconds.next(minute.minusSeconds(1));
        LocalDateTime second = first == null ? null : seconds.next(first);
        return second != null && second.isBefore(minute.plusMinutes(1));
    }

    /**
     * The first occurrence strictly after {@code after}, if the expression ever fires again. The expression is
     * evaluated on local wall-clock time and only then placed in the zone: a local time skipped by the spring change
     * moves forward by the gap (02:30 becomes 03:30), and a local time repeated by the autumn change counts once.
     * (Spring's CronExpression on a ZonedDateTime skips the first and fires twice on the second.)
     */
    Optional<Instant> next(Instant after) {
        LocalDateTime cursor = after.atZone(zone).toLocalDateTime();
        while (true) {
            LocalDateTime local = cron.next(cursor);
            if (local == null) {
                return Optional.empty();
            }
            Instant candidate = ZonedDateTime.ofLocal(local, zone, null).toInstant();
            if (candidate.isAfter(after)) {
                return Optional.of(candidate);
            }
            cursor = local;
        }
    }

    /**
     * The occurrence after the one due at {@code due}, and at least a minute after it. Identical to {@link #next}
     * for every expression accepted today; it throttles schedules stored before frequent expressions were refused.
     */
    Optional<Instant> nextAfterOccurrence(Instant due) {
        return next(due.plus(MINIMUM_INTERVAL).minusSeconds(1));
    }

    /** A schedule the caller described wrongly; {@code status} and {@code code} are the API's answer. */
    static final class InvalidSchedule extends RuntimeException {
        private final int status;
        private final String code;

        InvalidSchedule(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        int status() {
            return status;
        }

        String code() {
            return code;
        }
    }
}
