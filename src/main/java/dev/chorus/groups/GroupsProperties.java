package dev.chorus.groups;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** Limits of the groups module (prefix {@code chorus.groups}). */
@ConfigurationProperties("chorus.groups")
public record GroupsProperties(@DefaultValue("4000") int maxContentLength, @DefaultValue("50") int maxTargets,
        @DefaultValue("200") int maxHistoryLimit, @DefaultValue("50") int defaultHistoryLimit) {
}
