package dev.chorus.scheduling;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the scheduling module (prefix {@code chorus.scheduling}): how often instances look for due
 * occurrences, the TTL of the scheduler lock, how many occurrences one pass claims, how late a missed occurrence
 * may still be sent after an outage (older ones are recorded as missed, so catch-up is bounded), and how many active
 * schedules one user may hold (SCHEDULES_PER_USER; 0 means no limit).
 */
@ConfigurationProperties("chorus.scheduling")
public record SchedulingProperties(@DefaultValue("PT1S") Duration pollInterval, @DefaultValue("PT10S") Duration lockTtl,
        @DefaultValue("100") int batchSize, @DefaultValue("PT1H") Duration catchUpWindow,
        @DefaultValue("100") int perUserLimit) {
}
