package dev.chorus.realtime.internal;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.chorus.ops.HealthDetailContributor;
import dev.chorus.ops.ReadinessCheck;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Whether this instance can take one more socket, so that it refuses new upgrades (503, {@link UpgradeGate}) and
 * says so on readiness instead of wedging, while the sockets already open and the HTTP API keep working:
 * <ul>
 * <li>{@code connections-full}: as many sockets are open as the ceiling allows. The ceiling is WS_MAX_CONNECTIONS,
 * or lower when the process may not open that many file descriptors: every socket holds one, and the
 * {@code RESERVED_DESCRIPTORS} left over keep HTTP requests, health probes, upgrades being admitted, the database and
 * Redis connections and the JVM's own files working (past its descriptor limit Tomcat can accept nothing at all,
 * health probes included).</li>
 * <li>{@code heap-full}: the heap still in use after the last garbage collection is above WS_HEAP_CEILING_PERCENT
 * of the largest heap. That figure is the JVM's own "collection usage" of each heap pool (what the collector left
 * after its last cycle of that pool), the same that backs {@link MemoryPoolMXBean#setCollectionUsageThreshold}: live
 * data plus, at worst, garbage of a generation not yet collected again, never the garbage that merely awaits the next
 * young collection. Each socket costs a few tens of KB of heap for its whole life, so a heap that fills with sockets
 * does not free itself: refusing more before it is full keeps the instance out of back-to-back collections and
 * OutOfMemoryError (issue 17: an instance at 1,460 sockets and a full heap stopped answering Redis and health).</li>
 * </ul>
 * Both are read on every upgrade and readiness probe: a few native counters, no allocation to speak of.
 */
@Component
class SocketCapacity implements ReadinessCheck, HealthDetailContributor {

    private static final Logger log = LoggerFactory.getLogger(SocketCapacity.class);
    /**
     * Descriptors kept for everything but open sockets: the JVM's own files, jars, the pools' connections (512), and
     * connections Tomcat holds for a moment (512): HTTP requests, health probes, upgrades being admitted or refused.
     * With fewer than that left, a storm of upgrades fills Tomcat's connection limit and health probes wait behind it.
     */
    static final int RESERVED_DESCRIPTORS = 1024;

    private final Connections connections;
    private final int ceiling;
    private final int heapCeilingPercent;
    private final long maxHeap;
    private final List<MemoryPoolMXBean> heapPools;

    SocketCapacity(Connections connections, @Value("${chorus.realtime.max-connections:20000}") int maxConnections,
            @Value("${chorus.realtime.heap-ceiling-percent:85}") int heapCeilingPercent) {
        this.connections = connections;
        this.heapCeilingPercent = heapCeilingPercent;
        this.maxHeap = Runtime.getRuntime().maxMemory();
        this.heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()).toList();
        long descriptors = descriptorLimit();
        this.ceiling = ceiling(maxConnections, descriptors);
        if (ceiling < maxConnections) {
            log.warn("this process may open {} file descriptors: it takes at most {} sockets, not WS_MAX_CONNECTIONS {} "
                    + "(raise its descriptor limit, e.g. ulimit -n, to take more)", descriptors, ceiling, maxConnections);
        }
        if (heapPools.isEmpty()) {
            log.warn("this JVM reports no heap usage after collections: the heap ceiling for sockets is off");
        }
    }

    /** The reason no socket more fits now, or empty while one does. */
    @Override
    public Optional<String> problem() {
        return problemWith(0);
    }

    /**
     * The reason one socket more does not fit beside the open ones and {@code admitting} others already let in but
     * not open yet ({@link PendingUpgrades#upgrading}), or empty while it does: so that upgrades admitted together
     * cannot take the instance past its ceiling.
     */
    Optional<String> problemWith(int admitting) {
        if (connections.count() + admitting >= ceiling) {
            return Optional.of("connections-full");
        }
        if (heapUsedAfterGc() * 100 > maxHeap * heapCeilingPercent) {
            return Optional.of("heap-full");
        }
        return Optional.empty();
    }

    int ceiling() {
        return ceiling;
    }

    /** WS_MAX_CONNECTIONS, or fewer when the descriptor limit leaves less room after the reserve; at least one. */
    static int ceiling(int maxConnections, long descriptorLimit) {
        return (int) Math.max(1, Math.min(maxConnections, descriptorLimit - RESERVED_DESCRIPTORS));
    }

    /** The heap in use after the last collection of each heap pool, summed over the pools. */
    long heapUsedAfterGc() {
        long used = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            MemoryUsage afterGc = pool.getCollectionUsage();
            if (afterGc != null) {
                used += afterGc.getUsed();
            }
        }
        return used;
    }

    @Override
    public void contribute(Map<String, Object> details) {
        Map<String, Object> capacity = new LinkedHashMap<>();
        capacity.put("maxSockets", ceiling);
        capacity.put("heapUsedAfterGc", heapUsedAfterGc());
        capacity.put("heapMax", maxHeap);
        capacity.put("heapCeilingPercent", heapCeilingPercent);
        details.put("socketCapacity", capacity);
    }

    /** The most file descriptors this process may open, or Long.MAX_VALUE where the JVM cannot tell. */
    static long descriptorLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return Long.MAX_VALUE;
    }
}
