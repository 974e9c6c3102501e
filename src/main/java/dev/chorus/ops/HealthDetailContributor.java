package dev.chorus.ops;

import java.util.Map;

/** Adds fields (leader, websocketConnections, kafka, ...) to {@code /health/detailed}; modules implement it. */
public interface HealthDetailContributor {

    void contribute(Map<String, Object> details);
}
