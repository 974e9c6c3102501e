package dev.chorus.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One instance of the bench cluster seen from outside, by its pid (read again each time: an instance the storm
 * stopped is started again under a new pid): its resident memory and CPU time from /proc, its live heap through
 * jcmd, and SIGTERM.
 */
final class InstanceProcess {

    private final Path pidFile;
    private final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");

    InstanceProcess(Path runDir, String name) {
        this.pidFile = runDir.resolve(name + ".pid");
    }

    long pid() {
        try {
            return Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + pidFile, e);
        }
    }

    /** Live heap by class after a full GC (jcmd GC.class_histogram runs one). */
    HeapHistogram histogram() {
        return HeapHistogram.parse(run(jcmd.toString(), Long.toString(pid()), "GC.class_histogram"));
    }

    long rssBytes() {
        return rssBytes(read("/proc/" + pid() + "/status"));
    }

    /** User + system CPU ticks of the whole process (all threads). */
    long cpuTicks() {
        return cpuTicks(read("/proc/" + pid() + "/stat"));
    }

    void terminate() {
        ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroy);
    }

    static long rssBytes(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalArgumentException("no VmRSS line");
    }

    /** Fields 14 and 15 (utime, stime) of /proc/PID/stat, counted after the command name's closing parenthesis. */
    static long cpuTicks(String procStat) {
        String[] f = procStat.substring(procStat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The kernel's clock ticks per second (USER_HZ), 100 on every Linux this runs on; getconf says for sure. */
    static long ticksPerSecond() {
        try {
            return Long.parseLong(run("getconf", "CLK_TCK").trim());
        } catch (RuntimeException e) {
            return 100;
        }
    }

    static double loadAverage() {
        return Double.parseDouble(read("/proc/loadavg").split("\\s+")[0]);
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
