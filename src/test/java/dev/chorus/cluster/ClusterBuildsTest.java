package dev.chorus.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.system.BuildInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterBuildsTest {

    static final Instant BUILT = Instant.parse("2026-11-29T18:00:00Z");

    static InstanceRecord instance(String id, BuildInfo build) {
        return new InstanceRecord(id, BUILT, BUILT, "0.1.0", Map.of(), false, 0, build);
    }

    @Test
    void instancesOfOneBuildMakeOneGroupAndNoMix() {
        BuildInfo build = new BuildInfo("0.1.0", "abc", false, BUILT);
        ClusterBuilds builds = ClusterBuilds.of(List.of(instance("b", build), instance("a", new BuildInfo("0.1.0", "abc", false, BUILT))));
        assertThat(builds.mixed()).isFalse();
        assertThat(builds.builds()).singleElement().satisfies(b -> {
            assertThat(b.id()).isEqualTo("abc@2026-11-29T18:00:00Z");
            assertThat(b.instances()).containsExactly("a", "b");
        });
    }

    @Test
    void theSameCommitBuiltAgainOrFromADirtyTreeIsAnotherBuild() {
        ClusterBuilds builds = ClusterBuilds.of(List.of(
                instance("a", new BuildInfo("0.1.0", "abc", false, BUILT)),
                instance("b", new BuildInfo("0.1.0", "abc", false, BUILT.plusSeconds(60))),
                instance("c", new BuildInfo("0.1.0", "abc", true, BUILT))));
        assertThat(builds.mixed()).isTrue();
        assertThat(builds.builds()).extracting(ClusterBuilds.Build::id)
                .containsExactly("abc-dirty@2026-11-29T18:00:00Z", "abc@2026-11-29T18:00:00Z", "abc@2026-11-29T18:01:00Z");
    }

    @Test
    void anInstanceThatReportsNoBuildCountsAsUnknownAndTheLargestGroupComesFirst() {
        BuildInfo build = new BuildInfo("0.1.0", "abc", false, BUILT);
        ClusterBuilds builds = ClusterBuilds.of(List.of(instance("old", null), instance("n1", build), instance("n2", build)));
        assertThat(builds.mixed()).isTrue();
        assertThat(builds.builds()).extracting(ClusterBuilds.Build::commit).containsExactly("abc", BuildInfo.UNKNOWN);
        assertThat(builds.builds().get(1).instances()).containsExactly("old");
    }
}
