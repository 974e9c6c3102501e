package dev.chorus.scheduling.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecurrenceTest {

    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static List<ZonedDateTime> occurrences(Recurrence r, ZonedDateTime from, int count) {
        List<ZonedDateTime> out = new ArrayList<>();
        Instant cursor = from.toInstant();
        for (int i = 0; i < count; i++) {
            cursor = r.next(cursor).orElseThrow();
            out.add(cursor.atZone(r.zone()));
        }
        return out;
    }

    @Test
    void aDailyMorningMessageStaysAtLocalTimeAcrossBothDaylightSavingChanges() {
        Recurrence nine = Recurrence.parse("0 9 * * *", "Europe/Berlin");
        List<ZonedDateTime> spring = occurrences(nine, ZonedDateTime.of(2026, 3, 27, 12, 0, 0, 0, BERLIN), 2);
        assertThat(spring).extracting(ZonedDateTime::getHour).containsOnly(9);
        assertThat(spring.get(1).toInstant().getEpochSecond() - spring.get(0).toInstant().getEpochSecond()).isEqualTo(23 * 3600);
        List<ZonedDateTime> autumn = occurrences(nine, ZonedDateTime.of(2026, 10, 23, 12, 0, 0, 0, BERLIN), 2);
        assertThat(autumn).extracting(ZonedDateTime::getHour).containsOnly(9);
        assertThat(autumn.get(1).toInstant().getEpochSecond() - autumn.get(0).toInstant().getEpochSecond()).isEqualTo(25 * 3600);
    }

    @Test
    void aTimeThatOccursTwiceOnTheAutumnChangeFiresOnce() {
        Recurrence r = Recurrence.parse("30 2 * * *", "Europe/Berlin");
        List<ZonedDateTime> next = occurrences(r, ZonedDateTime.of(2026, 10, 24, 12, 0, 0, 0, BERLIN), 2);
        assertThat(next.get(0).toLocalDate()).hasToString("2026-10-25");
        assertThat(next.get(1).toLocalDate()).hasToString("2026-10-26");
    }

    @Test
    void aTimeThatDoesNotExistOnTheSpringChangeFiresAnHourLaterThatDayOnly() {
        Recurrence r = Recurrence.parse("30 2 * * *", "Europe/Berlin");
        List<ZonedDateTime> next = occurrences(r, ZonedDateTime.of(2026, 3, 28, 12, 0, 0, 0, BERLIN), 3);
        assertThat(next).extracting(z -> z.toLocalDateTime().toString())
                .containsExactly("2026-03-29T03:30", "2026-03-30T02:30", "2026-03-31T02:30");
    }

    @Test
    void aFrequentScheduleNeverGoesBackInTimeThroughTheGap() {
        Recurrence r = Recurrence.parse("*/15 * * * *", "Europe/Berlin");
        List<ZonedDateTime> next = occurrences(r, ZonedDateTime.of(2026, 3, 29, 1, 50, 0, 0, BERLIN), 8);
        assertThat(next).extracting(ZonedDateTime::toInstant).isSorted().doesNotHaveDuplicates();
        assertThat(next.getLast().toLocalDateTime()).hasToString("2026-03-29T04:45");
    }

    @Test
    void fiveAndSixFieldExpressionsAreBothAccepted() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(Recurrence.parse("*/15 * * * *", "UTC").next(at)).contains(Instant.parse("2026-01-01T00:15:00Z"));
        assertThat(Recurrence.parse("*/10 * * * * *", "UTC").next(at)).contains(Instant.parse("2026-01-01T00:00:10Z"));
    }

    @Test
    void badExpressionsAndZonesAreRefusedWithTheirOwnCodes() {
        assertThatThrownBy(() -> Recurrence.parse("61 * * * *", "UTC")).hasFieldOrPropertyWithValue("code", "invalid_cron");
        assertThatThrownBy(() -> Recurrence.parse("every day", "UTC")).hasFieldOrPropertyWithValue("code", "invalid_cron");
        assertThatThrownBy(() -> Recurrence.parse("0 9 * * *", "Mars/Olympus")).hasFieldOrPropertyWithValue("code", "invalid_timezone");
        assertThatThrownBy(() -> Recurrence.parse("0 9 * * *", "+05:00")).hasFieldOrPropertyWithValue("code", "invalid_timezone");
    }

    @Test
    void anExpressionMayFireAtMostOnceAMinute() {
        for (String ok : new String[] {"* * * * *", "0 * * * * *", "59 */5 * * * *", "30 0 9 * * MON-FRI", "@hourly", "0 0 30 2 *"}) {
            assertThat(Recurrence.parse(ok, "UTC").requireAtMostOnceAMinute()).as(ok).isNotNull();
        }
        for (String frequent : new String[] {"* * * * * *", "*/30 * * * * *", "0,1 * * * * *", "0-1 0 9 * * *", "58/1 * * * * *"}) {
            assertThatThrownBy(() -> Recurrence.parse(frequent, "UTC").requireAtMostOnceAMinute()).as(frequent)
                    .hasFieldOrPropertyWithValue("status", 400);
        }
    }

    @Test
    void aStoredFrequentExpressionIsThrottledToOnceAMinuteAndOthersAreUnchanged() {
        Instant due = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(Recurrence.parse("* * * * * *", "UTC").nextAfterOccurrence(due)).contains(Instant.parse("2026-01-01T00:01:00Z"));
        for (String cron : new String[] {"* * * * *", "*/15 * * * *", "30 2 * * *", "15 * * * * *"}) {
            Recurrence r = Recurrence.parse(cron, "Europe/Berlin");
            Instant cursor = ZonedDateTime.of(2026, 10, 25, 0, 0, 0, 0, BERLIN).toInstant();
            for (int i = 0; i < 200; i++) {
                Instant occurrence = r.next(cursor).orElseThrow();
                assertThat(r.nextAfterOccurrence(occurrence)).as(cron + " after " + occurrence).isEqualTo(r.next(occurrence));
                cursor = occurrence;
            }
        }
    }
}
