package dev.chorus.groups;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the groups module (prefix {@code chorus.groups}), and the group-commit writer's shape: how many writer
 * lanes (concurrent batch transactions per instance) and how many posts one batch may hold.
 */
@ConfigurationProperties("chorus.groups")
public record GroupsProperties(@DefaultValue("4000") int maxContentLength, @DefaultValue("50") int maxTargets,
        @DefaultValue("200") int maxHistoryLimit, @DefaultValue("50") int defaultHistoryLimit,
        @DefaultValue("2") int writerLanes, @DefaultValue("256") int maxBatch) {
}
