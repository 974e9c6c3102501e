package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SPEC §5: a rolling restart of every instance under load fails no request and loses no message. Three instance
 * processes behind a real balancer; a steady HTTP load (posts and reads) and WebSocket subscribers that resume with
 * afterSeq after each 1012; every instance in turn is stopped with SIGTERM, started again on its port, and waited
 * for until it serves again.
 */
@Tag("process")
class RollingRestartTest {

    /** nginx has no active health checks: the instance is taken out of the rotation first, as bin/chorus does. */
    @Test
    void behindNginxARollingRestartUnderLoadFailsNoRequestLosesNoMessageAndEverySocketResumes() {
        try (BalancedCluster cluster = BalancedCluster.start(Balancer.Kind.NGINX, "roll", 3, Map.of())) {
            rollingRestartUnderLoad(cluster, true);
        }
    }

    /** HAProxy checks /health/ready: the instance's own drain period takes it out, nothing is done by hand. */
    @Test
    void behindHaproxyTheDrainPeriodAndReadinessChecksAloneMakeARollingRestartLoseNothing() {
        try (BalancedCluster cluster = BalancedCluster.start(Balancer.Kind.HAPROXY, "hroll", 3, Map.of())) {
            rollingRestartUnderLoad(cluster, false);
        }
    }

    static void rollingRestartUnderLoad(BalancedCluster cluster, boolean takeOutFirst) {
        Api lb = cluster.api();
        Session owner = lb.newUser("roller");
        String group = lb.createGroup(owner.accessToken(), "rolling");
        List<ResumingSubscriber> subscribers = new ArrayList<>();
        AtomicLong posted = new AtomicLong();
        try {
            for (int i = 0; i < 6; i++) {
                subscribers.add(ResumingSubscriber.start(lb, owner.accessToken(), group));
            }
            try (LoadLoop load = LoadLoop.start(3, 100_000, Duration.ofSeconds(150), Duration.ofMillis(10),
                    n -> request(lb, owner, group, n, posted), r -> r.status() == 200 || r.status() == 201)) {
                NginxBalancedClusterTest.awaitSucceeded(load, 100, Duration.ofSeconds(20));
                for (ChorusProcess process : cluster.processes()) {
                    if (takeOutFirst) {
                        cluster.balancer.takeOut(process.id());
                    }
                    process.terminate(Duration.ofSeconds(40));
                    ChorusProcess back = cluster.restart(process);
                    if (takeOutFirst) {
                        cluster.balancer.putBack(back.id());
                    }
                    NginxBalancedClusterTest.awaitServed(load, back.id(), load.servedBy(back.id()) + 20, Duration.ofSeconds(30));
                }
                load.stop();
                assertThat(load.failures()).as("failed requests").isEmpty();
                assertThat(load.byInstance().keySet()).hasSize(3);
            }
            long total = posted.get();
            assertThat(total).isGreaterThan(100);
            assertThat(cluster.cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + group + "'")).isEqualTo(total);
            List<Long> expected = LongStream.rangeClosed(1, total).boxed().toList();
            for (ResumingSubscriber subscriber : subscribers) {
                subscriber.awaitSeq(total, Duration.ofSeconds(30));
                assertThat(subscriber.seqs()).as("seqs of a subscriber").isEqualTo(expected);
                assertThat(subscriber.gapsAndDuplicates()).isEmpty();
                assertThat(subscriber.closeCodes()).as("close codes seen").contains(1012);
                // Holding the last seq proves a live subscription, not that no close came after it: wait for the
                // resubscription that follows every close.
                Await.until(Duration.ofSeconds(15), "resubscribed after every close",
                        () -> subscriber.subscriptions() + " subscriptions, closes " + subscriber.closeCodes(),
                        seen -> subscriber.subscriptions() == subscriber.closeCodes().size() + 1);
            }
        } finally {
            subscribers.forEach(ResumingSubscriber::close);
        }
    }

    /** Every third request posts (with a clientMessageId, counted when stored), the others read. */
    static Response request(Api lb, Session owner, String group, int n, AtomicLong posted) {
        return switch (n % 3) {
            case 0 -> {
                Response r = lb.post("/api/messages", owner.accessToken(), Map.of("content", "steady " + n,
                        "targetType", "group", "targetIds", List.of(group), "clientMessageId", "roll-" + n));
                if (r.status() == 201) {
                    posted.incrementAndGet();
                }
                yield r;
            }
            case 1 -> lb.get("/api/users/me", owner.accessToken());
            default -> lb.get("/api/groups/" + group + "/messages?limit=20", owner.accessToken());
        };
    }
}
