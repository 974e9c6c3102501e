package dev.chorus.scheduling.internal;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.Set;
import org.springframework.scheduling.support.CronExpression;

/**
 * A cron expression in an IANA time zone. Accepts the usual five fields (minute hour day month weekday) or
 * Spring's six (with seconds first). Occurrences follow local time across daylight-saving changes: on the day
 * 02:30 does not exist, "02:30 every day" fires at 03:30, and on the day 02:30 happens twice it fires once.
 */
record Recurrence(CronExpression cron, ZoneId zone) {

    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();

    /** Parses both parts, or says which is wrong. */
    static Recurrence parse(String cron, String timezone) {
        String zoneName = timezone == null || timezone.isBlank() ? "UTC" : timezone.trim();
        if (!ZONES.contains(zoneName) && !"UTC".equals(zoneName)) {
            throw new InvalidSchedule("invalid_timezone", "timezone must be an IANA zone such as Europe/Berlin");
        }
        String expression = cron.trim();
        if (expression.split("\\s+").length == 5) {
            expression = "0 " + expression;
        }
        CronExpression parsed;
        try {
            parsed = CronExpression.parse(expression);
        } catch (IllegalArgumentException e) {
            throw new InvalidSchedule("invalid_cron", "cron must have five fields (minute hour day month weekday)");
        }
        return new Recurrence(parsed, ZoneId.of(zoneName));
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

    /** A schedule the caller described wrongly; {@code code} is the API error code. */
    static final class InvalidSchedule extends RuntimeException {
        private final String code;

        InvalidSchedule(String code, String message) {
            super(message);
            this.code = code;
        }

        String code() {
            return code;
        }
    }
}
