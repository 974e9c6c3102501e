package dev.chorus.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.info.GitProperties;
import org.springframework.stereotype.Component;

/** Who this instance is: its id, build and start time, shown in headers, logs, health and the cluster registry. */
@Component
public class InstanceInfo {

    private final String instanceId;
    private final BuildInfo build;
    private final Instant startedAt;
    private final Clock clock;

    public InstanceInfo(@Value("${chorus.instance-id}") String instanceId, ObjectProvider<BuildProperties> build,
            ObjectProvider<GitProperties> git, Clock clock) {
        this.instanceId = instanceId;
        this.build = BuildInfo.of(build.getIfAvailable(), git.getIfAvailable());
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public String instanceId() {
        return instanceId;
    }

    public String version() {
        return build.version();
    }

    public BuildInfo build() {
        return build;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Duration uptime() {
        return Duration.between(startedAt, clock.instant());
    }
}
