package dev.chorus.cluster.internal;

import dev.chorus.cluster.ConfigFingerprint;
import dev.chorus.cluster.InstanceRecord;
import dev.chorus.ops.ReadinessCheck;
import dev.chorus.system.InstanceInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import org.springframework.stereotype.Component;

/**
 * Not ready when a shared setting does not agree with the cluster's. Instances are ranked by how many live
 * instances (themselves included) their value is compatible with, then by how long they have run; an instance is
 * not ready when one ranked above it holds a value incompatible with its own. So a newcomer started with the wrong
 * JWT_SECRET is the one that stops taking traffic while the established instances stay ready, and the instances
 * that stay ready are compatible with each other two by two, whether compatibility means equality or, for a key
 * set in rotation, each accepting the other's tokens.
 */
@Component
class ConfigConsistencyCheck implements ReadinessCheck {

    /** One instance's value of one setting. */
    record Holder(String instanceId, Instant startedAt, String value) {
    }

    private final RedisInstanceRegistry registry;
    private final List<ConfigFingerprint> settings;
    private final InstanceInfo instance;

    ConfigConsistencyCheck(RedisInstanceRegistry registry, List<ConfigFingerprint> settings, InstanceInfo instance) {
        this.registry = registry;
        this.settings = settings;
        this.instance = instance;
    }

    @Override
    public Optional<String> problem() {
        List<InstanceRecord> live = registry.liveInstances();
        for (ConfigFingerprint setting : settings) {
            Holder self = new Holder(instance.instanceId(), instance.startedAt(), setting.fingerprint());
            if (!agrees(self, holders(setting.name(), live), setting::compatible)) {
                return Optional.of(setting.name() + "-mismatch");
            }
        }
        return Optional.empty();
    }

    private static List<Holder> holders(String name, List<InstanceRecord> live) {
        List<Holder> holders = new ArrayList<>();
        for (InstanceRecord i : live) {
            String value = i.fingerprints() == null ? null : i.fingerprints().get(name);
            if (value != null) {
                holders.add(new Holder(i.instanceId(), i.startedAt(), value));
            }
        }
        return holders;
    }

    /** Whether {@code self} may take traffic among {@code live} (its own published record, if any, is replaced). */
    static boolean agrees(Holder self, List<Holder> live, BiPredicate<String, String> compatible) {
        List<Holder> all = new ArrayList<>(live.stream().filter(h -> !h.instanceId().equals(self.instanceId())).toList());
        all.add(self);
        Comparator<Holder> rank = Comparator.<Holder>comparingLong(h -> all.stream().filter(o -> compatible.test(h.value(), o.value())).count())
                .reversed()
                .thenComparing(Holder::startedAt)
                .thenComparing(Holder::instanceId);
        return all.stream().filter(h -> rank.compare(h, self) < 0).allMatch(h -> compatible.test(h.value(), self.value()));
    }
}
