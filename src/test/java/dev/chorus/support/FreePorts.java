package dev.chorus.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for processes that must be told their port before they start (instance processes, balancers,
 * PgBouncer), and that an instance keeps when it is started again.
 *
 * <p>A port the kernel hands out with {@code new ServerSocket(0)} comes from the ephemeral range, the same range every
 * outgoing connection on this machine (to PostgreSQL, Redis, between instances, other builds running here) takes
 * its local port from; between the check and the process's bind, or while a killed instance is down, one of them
 * can take it. So ports are picked at random below that range, where nothing is handed out on its own, and checked
 * free. Two test runs on one machine can still pick the same port in the same moment: callers that start a process
 * on a fresh port try again on another one when the process reports its port in use ({@link #inUse}).
 */
public final class FreePorts {

    private static final int LOWEST = 20_000;

    private FreePorts() {
    }

    /** A port on 127.0.0.1 that nothing listens on now, outside the ephemeral range. */
    public static int pick() {
        int highest = ephemeralRangeStart() - 1;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, highest + 1);
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + highest + " after 200 tries");
    }

    /** Whether a process's output says it could not bind its port (Spring Boot, nginx, HAProxy, PgBouncer). */
    public static boolean inUse(String output) {
        return output.contains("already in use") || output.contains("Address in use") || output.contains("cannot bind socket");
    }

    private static boolean isFree(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(false);
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The lowest port of the kernel's ephemeral range (32768 on Linux unless configured otherwise). */
    private static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip();
            return Math.max(LOWEST + 1000, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException unknown) {
            return 32_768;
        }
    }
}
