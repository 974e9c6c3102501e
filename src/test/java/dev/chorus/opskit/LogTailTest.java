package dev.chorus.opskit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailTest {

    @TempDir
    Path dir;

    @Test
    void onlyWholeLinesWrittenAfterOpeningAreReturnedOnce() throws IOException {
        Path log = Files.writeString(dir.resolve("access.log"), "old line\n");
        LogTail tail = LogTail.fromEnd(log);
        assertThat(tail.newLines()).isEmpty();
        append(log, "first\nsecond, half");
        assertThat(tail.newLines()).containsExactly("first");
        append(log, " written\n");
        assertThat(tail.newLines()).containsExactly("second, half written");
        assertThat(tail.newLines()).isEmpty();
    }

    @Test
    void aFileThatShrankIsReadAgainFromItsStartAndAMissingOneGivesNothing() throws IOException {
        Path log = Files.writeString(dir.resolve("access.log"), "a long line before the rotation\n");
        LogTail tail = LogTail.fromEnd(log);
        Files.writeString(log, "new\n");
        assertThat(tail.newLines()).containsExactly("new");
        assertThat(LogTail.fromEnd(dir.resolve("none.log")).newLines()).isEmpty();
    }

    private static void append(Path log, String text) throws IOException {
        Files.writeString(log, text, StandardOpenOption.APPEND);
    }
}
