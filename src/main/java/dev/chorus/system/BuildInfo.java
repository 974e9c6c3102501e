package dev.chorus.system;

import java.time.Instant;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.info.GitProperties;

/**
 * Which build an instance runs: the project version, the git commit the jar was built from ({@value #UNKNOWN} when
 * it was built without git, e.g. from a source tarball), whether the working tree had uncommitted changes, and when
 * the jar was built. Two instances run the same build when {@link #id()} is equal: the same commit, equally clean,
 * built at the same moment, which in practice means the same jar or image.
 */
public record BuildInfo(String version, String commit, boolean dirty, Instant time) {

    public static final String UNKNOWN = "unknown";

    /** From the jar's META-INF/build-info.properties and git.properties; either may be missing (an IDE run). */
    static BuildInfo of(BuildProperties build, GitProperties git) {
        String version = build != null && build.getVersion() != null ? build.getVersion() : "dev";
        Instant time = build != null ? build.getTime() : null;
        String commit = git != null && git.getCommitId() != null ? git.getCommitId() : UNKNOWN;
        boolean dirty = git != null && "true".equals(git.get("dirty"));
        return new BuildInfo(version, commit, dirty, time);
    }

    /** One string naming this build, e.g. {@code 3f2c...e1-dirty@2026-11-29T19:02:11.123Z}. */
    public String id() {
        return commit + (dirty ? "-dirty" : "") + "@" + (time == null ? UNKNOWN : time.toString());
    }
}
