package dev.chorus.cluster.internal;

import dev.chorus.cluster.InstanceRecord;
import dev.chorus.ops.ReadinessCheck;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * Not ready when a shared setting differs from the cluster's. The cluster's value is the one most live instances
 * carry; on a tie, the one of the longest-running instance. So a newcomer started with the wrong JWT_SECRET is
 * the one that stops taking traffic, and the established instances stay ready.
 */
@Component
class ConfigConsistencyCheck implements ReadinessCheck {

    private final RedisInstanceRegistry registry;

    ConfigConsistencyCheck(RedisInstanceRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Optional<String> problem() {
        List<InstanceRecord> live = registry.liveInstances();
        for (Map.Entry<String, String> own : registry.ownFingerprints().entrySet()) {
            String agreed = agreedValue(own.getKey(), own.getValue(), live);
            if (!own.getValue().equals(agreed)) {
                return Optional.of(own.getKey() + "-mismatch");
            }
        }
        return Optional.empty();
    }

    static String agreedValue(String name, String own, List<InstanceRecord> live) {
        Map<String, List<InstanceRecord>> byValue = live.stream()
                .filter(i -> i.fingerprints() != null && i.fingerprints().get(name) != null)
                .collect(Collectors.groupingBy(i -> i.fingerprints().get(name)));
        if (byValue.isEmpty()) {
            return own;
        }
        Comparator<Map.Entry<String, List<InstanceRecord>>> bySize = Comparator.comparingInt(e -> e.getValue().size());
        Function<Map.Entry<String, List<InstanceRecord>>, Long> oldest = e -> e.getValue().stream()
                .map(i -> -i.startedAt().toEpochMilli()).max(Long::compare).orElse(Long.MIN_VALUE);
        return byValue.entrySet().stream()
                .max(bySize.thenComparing(oldest, Comparator.naturalOrder()))
                .map(Map.Entry::getKey)
                .filter(Objects::nonNull)
                .orElse(own);
    }
}
