package dev.chorus.replicas;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the replicas module (prefix {@code chorus.database}), filled from DATABASE_REPLICA_URLS,
 * DATABASE_REPLICA_MAX_LAG (how stale a replica may be and still be read) and the pool bounds DB_POOL_MIN and
 * DB_POOL_MAX, which each replica's pool takes too. {@code toString()} never shows a password.
 */
@ConfigurationProperties("chorus.database")
public record ReplicaProperties(@DefaultValue List<Replica> replicas, @DefaultValue("PT2S") Duration replicaMaxLag,
        @DefaultValue("PT0.5S") Duration replicaCheckInterval, @DefaultValue("1") int replicaPoolMin,
        @DefaultValue("10") int replicaPoolMax) {

    /** One replica: its name in health and metrics, and how to connect. */
    public record Replica(String name, String jdbcUrl, String username, String password) {
        @Override
        public String toString() {
            return "Replica[" + name + "]";
        }
    }
}
