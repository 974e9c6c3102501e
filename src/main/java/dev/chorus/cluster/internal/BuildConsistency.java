package dev.chorus.cluster.internal;

import dev.chorus.cluster.ClusterBuilds;
import dev.chorus.cluster.InstanceRegistry;
import dev.chorus.ops.HealthDetailContributor;
import dev.chorus.system.BuildInfo;
import dev.chorus.system.InstanceInfo;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Whether every live instance runs the same build. Publishes {@code chorus_build_info} (1, labelled with this
 * instance's version, commit, dirty flag and build time) and {@code chorus_cluster_builds} (how many distinct builds
 * the live instances run), and adds {@code clusterBuilds} and {@code mixedBuilds} to {@code /health/detailed}. The
 * cluster's view is refreshed in the background at heartbeat pace, so that neither a scrape nor a health request
 * waits on Redis. A mixed cluster is reported, never made unready: a rolling deploy passes through that state.
 */
@Component
class BuildConsistency implements HealthDetailContributor {

    private static final Logger log = LoggerFactory.getLogger(BuildConsistency.class);

    private final InstanceRegistry registry;
    /** The last view of the cluster's builds, null before the first; written only by {@link #refresh}. */
    private volatile ClusterBuilds last;

    BuildConsistency(InstanceRegistry registry, InstanceInfo instance, MeterRegistry meters) {
        this.registry = registry;
        BuildInfo build = instance.build();
        Gauge.builder("chorus.build.info", () -> 1)
                .description("1, labelled with the build this instance runs")
                .tags("version", build.version(), "commit", build.commit(), "dirty", Boolean.toString(build.dirty()),
                        "build_time", build.time() == null ? BuildInfo.UNKNOWN : build.time().toString())
                .register(meters);
        Gauge.builder("chorus.cluster.builds", this, b -> b.last == null ? Double.NaN : b.last.builds().size())
                .description("distinct builds run by the live instances of the cluster (more than 1: a mixed cluster)")
                .register(meters);
    }

    @Scheduled(fixedRateString = "${chorus.cluster.heartbeat-interval:PT2S}")
    void refresh() {
        try {
            last = ClusterBuilds.of(registry.liveInstances());
        } catch (RuntimeException e) {
            log.debug("cluster builds not refreshed: {}", e.toString()); // the heartbeat logs Redis trouble already
        }
    }

    @Override
    public void contribute(Map<String, Object> details) {
        ClusterBuilds builds = last;
        if (builds != null) {
            details.put("clusterBuilds", builds.builds().size());
            details.put("mixedBuilds", builds.mixed());
        }
    }
}
