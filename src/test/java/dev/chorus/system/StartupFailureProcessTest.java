package dev.chorus.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A real process started with bad settings prints one clear line and exits non-zero, without starting Spring. */
@Tag("process")
class StartupFailureProcessTest {

    /** Should a failing start reach Redis at all, it stays off the keys of a real local cluster (prefix chorus:). */
    static final String ISOLATED = "t-startup-failure-" + UUID.randomUUID() + ":";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "JWT_SECRET|                                         |JWT_SECRET is missing",
            "JWT_SECRET|too-short                                |JWT_SECRET is too short",
            "DATABASE_URL|mysql://localhost/chorus               |DATABASE_URL is malformed",
            "REDIS_URL|localhost:6379                            |REDIS_URL is malformed"})
    void badSettingsStopTheProcessWithOneLine(String name, String value, String expected) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                "dev.chorus.ChorusApplication");
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> List.of("JWT_SECRET", "DATABASE_URL", "REDIS_URL", "REDIS_SENTINELS").contains(k));
        env.put("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        env.put(name, value == null ? "" : value);
        env.put("PORT", "0");
        env.put("CHORUS_REDIS_PREFIX", ISOLATED);
        Process process = pb.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(stderr.lines()).hasSize(1);
        assertThat(stderr).startsWith("chorus: " + expected).doesNotContain("0123456789abcdef");
        assertThat(stdout).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void anUnreachableDatabaseStopsTheProcessWithOneLineNamingTheCause() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                "dev.chorus.ChorusApplication");
        pb.environment().put("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        pb.environment().put("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/chorus");
        pb.environment().put("STARTUP_DEPENDENCY_WAIT", "PT3S");
        pb.environment().put("PORT", "0");
        pb.environment().put("CHORUS_REDIS_PREFIX", ISOLATED);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process process = pb.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(stderr.lines().filter(l -> l.startsWith("chorus: "))).singleElement().asString()
                .startsWith("chorus: failed to start").contains("PostgreSQL at jdbc:postgresql://127.0.0.1:1/chorus did not answer within PT3S")
                .contains("Connection");
    }

    private static String javaBinary() throws IOException {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
