package dev.chorus.cluster.web;

import dev.chorus.cluster.ClusterBuilds;
import dev.chorus.cluster.DistributedLocks;
import dev.chorus.cluster.InstanceRecord;
import dev.chorus.cluster.InstanceRegistry;
import dev.chorus.cluster.LockInfo;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /admin/locks} and {@code /admin/cluster}; the security configuration admits only the ADMIN role here. */
@RestController
@RequestMapping("/admin")
class AdminController {

    private final DistributedLocks locks;
    private final InstanceRegistry registry;

    AdminController(DistributedLocks locks, InstanceRegistry registry) {
        this.locks = locks;
        this.registry = registry;
    }

    @GetMapping("/locks")
    Map<String, Object> locks() {
        List<Map<String, Object>> held = locks.held().stream().sorted(Comparator.comparing(LockInfo::name)).map(l -> {
            Map<String, Object> lock = new LinkedHashMap<>();
            lock.put("name", l.name());
            lock.put("holder", l.holder());
            lock.put("acquiredAt", l.acquiredAt().toString());
            lock.put("expiresAt", l.expiresAt().toString());
            return lock;
        }).toList();
        return Map.of("locks", held);
    }

    /**
     * Every live instance with its build, then the builds with their instances; {@code mixedBuilds} is true while the
     * instances do not all run the same build (during a rolling deploy, or when one was forgotten).
     */
    @GetMapping("/cluster")
    Map<String, Object> cluster() {
        List<InstanceRecord> live = registry.liveInstances();
        List<Map<String, Object>> instances = live.stream()
                .sorted(Comparator.comparing(InstanceRecord::instanceId)).map(i -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("instanceId", i.instanceId());
                    entry.put("startedAt", i.startedAt().toString());
                    entry.put("lastSeen", i.lastSeen().toString());
                    entry.put("leader", i.leader());
                    entry.put("websocketConnections", i.websocketConnections());
                    entry.put("version", i.version());
                    entry.put("build", i.build());
                    return entry;
                }).toList();
        ClusterBuilds builds = ClusterBuilds.of(live);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instances", instances);
        body.put("builds", builds.builds());
        body.put("mixedBuilds", builds.mixed());
        return body;
    }
}
