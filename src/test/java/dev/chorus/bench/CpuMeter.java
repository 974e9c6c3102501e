package dev.chorus.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU used by the whole machine (from /proc/stat) and by this load generator, between two samples. Busy time is
 * total − idle − iowait over the first eight fields of the {@code cpu} line (guest time is already inside user and
 * nice). The kernel's tick rate is not assumed: busy CPU-seconds are the busy share of all ticks times the CPUs times
 * the wall-clock time between the samples.
 */
final class CpuMeter {

    /** Cumulative ticks of the {@code cpu} line, the number of {@code cpuN} lines, and when it was read. */
    record Sample(long busyTicks, long totalTicks, int cpus, long nanoTime, long processCpuNanos) {
    }

    /** What happened between two samples. */
    record Use(double machinePct, double machineCpuSeconds, double clientCpuSeconds) {

        double microsPer(long events) {
            return events == 0 ? 0 : machineCpuSeconds * 1e6 / events;
        }

        double clientMicrosPer(long events) {
            return events == 0 ? 0 : clientCpuSeconds * 1e6 / events;
        }
    }

    private CpuMeter() {
    }

    static Sample sample() {
        try {
            return parse(Files.readString(Path.of("/proc/stat")), System.nanoTime(), processCpuNanos());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat (machine CPU is measured on Linux only)", e);
        }
    }

    static Sample parse(String procStat, long nanoTime, long processCpuNanos) {
        long busy = -1;
        long total = 0;
        int cpus = 0;
        for (String line : procStat.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f[0].equals("cpu")) {
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                for (int i = 1; i <= 8 && i < f.length; i++) {
                    total += Long.parseLong(f[i]);
                }
                busy = total - idle;
            } else if (f[0].matches("cpu\\d+")) {
                cpus++;
            }
        }
        if (busy < 0 || cpus == 0) {
            throw new IllegalArgumentException("no cpu lines in /proc/stat text");
        }
        return new Sample(busy, total, cpus, nanoTime, processCpuNanos);
    }

    static Use between(Sample from, Sample to) {
        long ticks = to.totalTicks() - from.totalTicks();
        double busyShare = ticks <= 0 ? 0 : (double) (to.busyTicks() - from.busyTicks()) / ticks;
        double wallSeconds = (to.nanoTime() - from.nanoTime()) / 1e9;
        return new Use(busyShare * 100, busyShare * to.cpus() * wallSeconds,
                (to.processCpuNanos() - from.processCpuNanos()) / 1e9);
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
