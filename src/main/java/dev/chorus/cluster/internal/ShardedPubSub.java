package dev.chorus.cluster.internal;

import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Collection;

/**
 * SPUBLISH and SSUBSCRIBE on a Redis Cluster: a shard channel lives on the shard that owns its hash slot, so a
 * message travels to that shard's master and replicas only, never to every node of the cluster as a classic
 * PUBLISH does. Every bus channel carries the same hash tag ({@code {bus}}, see RedisKeys#tag), so the whole bus is
 * one slot: one subscriber connection, to that slot's master, hears every channel, and the bus's probe travels
 * exactly the way its messages do.
 *
 * <p>The subscriber connection is bound to the node that owned the slot when it was opened. When the client's view
 * of the cluster names another master for the slot (its replica promoted, the slot moved), or the probe stops coming
 * back, the bus asks for a new subscription, which reads the cluster's current view and subscribes there. Hand-written because Lettuce's cluster pub/sub connection does not
 * move shard subscriptions to a new owner by itself (redis/lettuce#3213).
 */
final class ShardedPubSub implements BusTransport {

    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<String, String> publisher;

    ShardedPubSub(RedisClusterClient client) {
        this.client = client;
        this.publisher = client.connect();
    }

    @Override
    public void publish(String channel, String payload) {
        publisher.async().spublish(channel, payload);
    }

    @Override
    public Subscription subscribe(RedisPubSubListener<String, String> listener, Collection<String> channels) {
        String[] all = channels.toArray(String[]::new);
        int slot = SlotHash.getSlot(all[0]);
        client.refreshPartitions();
        StatefulRedisClusterPubSubConnection<String, String> cluster = client.connectPubSub();
        try {
            RedisClusterNode owner = cluster.getPartitions().getMasterBySlot(slot);
            if (owner == null) {
                throw new RedisException("no master serves the bus's hash slot " + slot);
            }
            StatefulRedisPubSubConnection<String, String> node = cluster.getConnection(owner.getNodeId());
            node.addListener(listener);
            node.sync().ssubscribe(all);
            return new Subscription() {
                @Override
                public void add(String channel) {
                    node.sync().ssubscribe(channel);
                }

                /** The client refreshes its view every few seconds and on MOVED or persistent reconnections. */
                @Override
                public boolean moved() {
                    RedisClusterNode now = client.getPartitions().getMasterBySlot(slot);
                    return now != null && !now.getNodeId().equals(owner.getNodeId());
                }

                @Override
                public void close() {
                    cluster.closeAsync();
                }
            };
        } catch (RuntimeException e) {
            cluster.closeAsync();
            throw e;
        }
    }

    /** Also what the commands of the same client (Spring's connection factory's) follow: they find the new master too. */
    @Override
    public void refreshView() {
        client.refreshPartitionsAsync();
    }

    @Override
    public void close() {
        publisher.close();
    }
}
