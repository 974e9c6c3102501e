package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Session;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * A steady load through the balancer while a deploy runs: three callers posting (with a clientMessageId), reading
 * {@code /me} and history ({@link RollingRestartTest#request}), and three WebSocket subscribers that resume with
 * afterSeq after any close. {@link #assertNothingLost} checks that every acknowledged post is stored once and
 * reached every subscriber in order.
 */
final class SteadyTraffic implements AutoCloseable {

    final LoadLoop load;
    private final String group;
    private final AtomicLong posted = new AtomicLong();
    private final List<ResumingSubscriber> subscribers = new ArrayList<>();

    private SteadyTraffic(Api lb, Session owner, String group) {
        this.group = group;
        for (int i = 0; i < 3; i++) {
            subscribers.add(ResumingSubscriber.start(lb, owner.accessToken(), group));
        }
        this.load = LoadLoop.start(3, 500_000, Duration.ofMinutes(12), Duration.ofMillis(10),
                n -> RollingRestartTest.request(lb, owner, group, n, posted), r -> r.status() == 200 || r.status() == 201);
    }

    static SteadyTraffic start(Api lb) {
        Session owner = lb.newUser("deployer");
        return new SteadyTraffic(lb, owner, lb.createGroup(owner.accessToken(), "deploys"));
    }

    /** Waits until {@code more} requests beyond those so far have succeeded. */
    void awaitProgress(long more) {
        NginxBalancedClusterTest.awaitSucceeded(load, load.succeeded() + more, Duration.ofSeconds(60));
    }

    void assertNothingLost(TestCluster cluster) {
        long total = posted.get();
        assertThat(total).as("messages posted during the test").isGreaterThan(50);
        assertThat(cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + group + "'"))
                .as("messages stored").isEqualTo(total);
        List<Long> expected = LongStream.rangeClosed(1, total).boxed().toList();
        for (ResumingSubscriber subscriber : subscribers) {
            subscriber.awaitSeq(total, Duration.ofSeconds(60));
            assertThat(subscriber.seqs()).as("seqs of a subscriber").isEqualTo(expected);
            assertThat(subscriber.gapsAndDuplicates()).isEmpty();
        }
    }

    @Override
    public void close() {
        load.close();
        subscribers.forEach(ResumingSubscriber::close);
    }
}
