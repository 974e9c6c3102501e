package dev.chorus.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Runs commands (bin/chorus, git) as an operator's shell would, each with its output and outcome in a transcript. */
final class Commands {

    private Commands() {
    }

    record Result(int exit, String output) {
    }

    /**
     * Runs {@code command} in {@code workingDir} with the test run's environment as {@code environment} adjusts it,
     * its output (stdout and stderr) collected through a file in {@code scratch}. Appends the command, its output,
     * exit code and duration to {@code transcript}. Past the timeout, the command and its children are killed and
     * the exit code is -1.
     */
    static Result run(Path workingDir, Path scratch, Duration timeout, StringBuilder transcript,
            Consumer<Map<String, String>> environment, String... command) {
        transcript.append("$ ").append(String.join(" ", command)).append('\n');
        try {
            Path output = Files.createTempFile(scratch, "command-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            environment.accept(builder.environment());
            long started = System.nanoTime();
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                LocalSystem.kill(Stream.concat(process.descendants(), Stream.of(process.toHandle())).map(ProcessHandle::pid).toList());
                process.waitFor(10, TimeUnit.SECONDS);
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            Files.delete(output);
            int exit = finished ? process.exitValue() : -1;
            String took = String.format("%.1f s", (System.nanoTime() - started) / 1e9);
            transcript.append(text).append(text.isEmpty() || text.endsWith("\n") ? "" : "\n")
                    .append(finished ? "(exit " + exit + ", " + took + ")\n" : "(TIMED OUT after " + took + ": killed)\n");
            return new Result(exit, text);
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Removes from an environment whatever configures Chorus or points at the outer Maven build. */
    static void withoutChorusSettings(Map<String, String> env) {
        env.keySet().removeIf(name -> name.startsWith("CHORUS_") || List.of("DATABASE_URL", "REDIS_URL", "REDIS_SENTINELS",
                "REDIS_SENTINEL_MASTER", "JWT_SECRET", "KAFKA_BROKERS", "INSTANCE_ID", "PORT", "MAVEN_PROJECTBASEDIR",
                "MAVEN_CMD_LINE_ARGS").contains(name));
    }

    /** For failure messages: the last {@code chars} characters of each {@code .log} file under {@code dir}. */
    static String logTails(Path dir, int chars) {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(f -> f.toString().endsWith(".log")).sorted().forEach(log -> out.append("---- ").append(log)
                    .append(" (tail)\n").append(tail(log, chars)).append('\n'));
        } catch (IOException e) {
            out.append("(could not list ").append(dir).append(": ").append(e).append(")\n");
        }
        return out.toString();
    }

    private static String tail(Path file, int chars) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
