package dev.chorus.opskit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines appended to a log file since this tail was opened (what was there before is not read). Only whole
 * lines are returned; a line still being written waits for its newline. A file that shrank (rotated, truncated) is
 * read again from its start. Not thread-safe.
 */
final class LogTail {

    private final Path file;
    private long offset;
    private final StringBuilder partial = new StringBuilder();

    private LogTail(Path file, long offset) {
        this.file = file;
        this.offset = offset;
    }

    static LogTail fromEnd(Path file) throws IOException {
        return new LogTail(file, Files.exists(file) ? Files.size(file) : 0);
    }

    List<String> newLines() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        long size = Files.size(file);
        if (size < offset) {
            offset = 0;
            partial.setLength(0);
        }
        if (size > offset) {
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                byte[] bytes = new byte[(int) Math.min(size - offset, 16 << 20)];
                in.seek(offset);
                in.readFully(bytes);
                offset += bytes.length;
                partial.append(new String(bytes, StandardCharsets.UTF_8));
            }
        }
        List<String> lines = new ArrayList<>();
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            lines.add(partial.substring(0, newline));
            partial.delete(0, newline + 1);
        }
        return lines;
    }
}
