package dev.chorus.cluster;

import dev.chorus.system.BuildInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The builds the live instances run, each with the instances that run it, most instances first. More than one is a
 * mixed cluster: normal while a rolling or canary deploy is under way, a problem when it lasts (the
 * {@code ChorusMixedBuilds} alert of deploy/prometheus). It never makes an instance unready.
 */
public record ClusterBuilds(List<Build> builds) {

    /** One build and the ids of the instances running it. An instance that reports no build counts as {@code unknown}. */
    public record Build(String id, String commit, boolean dirty, Instant time, List<String> instances) {
    }

    public static ClusterBuilds of(List<InstanceRecord> live) {
        Map<String, List<InstanceRecord>> byBuild = new LinkedHashMap<>();
        live.stream().sorted(Comparator.comparing(InstanceRecord::instanceId))
                .forEach(i -> byBuild.computeIfAbsent(idOf(i.build()), k -> new ArrayList<>()).add(i));
        List<Build> builds = byBuild.entrySet().stream().map(e -> {
            BuildInfo build = e.getValue().getFirst().build();
            List<String> ids = e.getValue().stream().map(InstanceRecord::instanceId).toList();
            return build == null ? new Build(e.getKey(), BuildInfo.UNKNOWN, false, null, ids)
                    : new Build(e.getKey(), build.commit(), build.dirty(), build.time(), ids);
        }).sorted(Comparator.comparingInt((Build b) -> -b.instances().size()).thenComparing(Build::id)).toList();
        return new ClusterBuilds(builds);
    }

    public boolean mixed() {
        return builds.size() > 1;
    }

    private static String idOf(BuildInfo build) {
        return build == null ? BuildInfo.UNKNOWN : build.id();
    }
}
