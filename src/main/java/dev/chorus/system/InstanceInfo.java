package dev.chorus.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.info.BuildProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** Who this instance is: its id, version and start time, shown in headers, logs, health and the cluster registry. */
@Component
public class InstanceInfo {

    private final String instanceId;
    private final String version;
    private final Instant startedAt;
    private final Clock clock;

    public InstanceInfo(@Value("${chorus.instance-id}") String instanceId, ObjectProvider<BuildProperties> build, Clock clock) {
        this.instanceId = instanceId;
        BuildProperties props = build.getIfAvailable();
        this.version = props != null ? props.getVersion() : "dev";
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public String instanceId() {
        return instanceId;
    }

    public String version() {
        return version;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Duration uptime() {
        return Duration.between(startedAt, clock.instant());
    }
}
