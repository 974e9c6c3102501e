package dev.chorus.cluster;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the cluster module (prefix {@code chorus.cluster}): how often instances beat, when they count as
 * gone, and how long the leader's lease lasts without renewal.
 */
@ConfigurationProperties("chorus.cluster")
public record ClusterProperties(@DefaultValue("PT2S") Duration heartbeatInterval, @DefaultValue("PT10S") Duration instanceTtl,
        @DefaultValue("PT5S") Duration leaderLease, @DefaultValue("PT1S") Duration leaderRenewInterval) {
}
