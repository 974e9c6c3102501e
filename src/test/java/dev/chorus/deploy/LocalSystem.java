package dev.chorus.deploy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** What Linux's /proc says about this machine's processes and listening TCP sockets, and free ports among them. */
final class LocalSystem {

    private static final int TCP_LISTEN = 0x0A;

    private LocalSystem() {
    }

    /**
     * Processes whose working directory or command line lies under {@code dir}, and their descendants (nginx's
     * workers name no directory), as pid → command line. This JVM is never among them.
     */
    static Map<Long, String> processesUnder(Path dir) {
        String root = dir.toString();
        Map<Long, String> found = new LinkedHashMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(proc -> {
                long pid = Long.parseLong(proc.getFileName().toString());
                String command = commandLine(proc);
                if (pid != ProcessHandle.current().pid() && (workingDir(proc).startsWith(dir) || command.contains(root))) {
                    found.put(pid, command);
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e, e);
        }
        for (long pid : List.copyOf(found.keySet())) {
            ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(child ->
                    found.putIfAbsent(child.pid(), commandLine(Path.of("/proc", Long.toString(child.pid()))))));
        }
        return found;
    }

    /** The pids of this collection that are still alive. */
    static Set<Long> alive(Collection<Long> pids) {
        Set<Long> alive = new HashSet<>();
        pids.forEach(pid -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(p -> alive.add(pid)));
        return alive;
    }

    /** The ports of this list that a TCP socket listens on, on any address (IPv4 or IPv6). */
    static Set<Integer> listening(List<Integer> ports) {
        Set<Integer> listening = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
                    String[] fields = line.trim().split("\\s+");
                    int port = Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16);
                    if (Integer.parseInt(fields[3], 16) == TCP_LISTEN && ports.contains(port)) {
                        listening.add(port);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + table + ": " + e, e);
            }
        }
        return listening;
    }

    /** The first of {@code count} consecutive ports in [from, to) that nobody listens on and this JVM could bind. */
    static int freePortBlock(int count, int from, int to) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = ThreadLocalRandom.current().nextInt(from, to - count);
            if (IntStream.range(first, first + count).allMatch(LocalSystem::free)) {
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports between " + from + " and " + to);
    }

    /** For messages: processes with their command lines, one a line. */
    static String describe(Map<Long, String> processes) {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(processes).forEach((pid, command) -> out.append("  ").append(pid).append(' ').append(command).append('\n'));
        return out.toString();
    }

    /** SIGKILL for each of these processes that still runs. */
    static void kill(Collection<Long> pids) {
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private static boolean free(int port) {
        if (!listening(List.of(port)).isEmpty()) {
            return false; // also on an address the bind below would not clash with
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static Path workingDir(Path proc) {
        try {
            return Files.readSymbolicLink(proc.resolve("cwd"));
        } catch (IOException | UnsupportedOperationException gone) {
            return Path.of("/proc/gone");
        }
    }

    private static String commandLine(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException gone) {
            return "";
        }
    }
}
