package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.deploy.Commands.Result;
import dev.chorus.support.Api;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's first command on a newcomer's checkout: in a fresh clone (no .chorus/, no jar), bin/chorus up
 * builds, starts three instances and nginx on free ports and serves through the balancer; status shows every
 * instance ready and one leader; down leaves no process and no listening port behind. Several rounds, each in an
 * empty directory, so that first-run-only paths (state created by processes started in parallel, as the JWT secret
 * once was) run every time and a race has more than one chance to show.
 */
class FreshCheckoutTest {

    static final int ROUNDS = 3;
    private static final Pattern STATUS_ROW =
            Pattern.compile("^(chorus-\\d+)\\s+(\\d+|-)\\s+(\\d+)\\s+(\\S+)\\s+(\\S+)\\s*$", Pattern.MULTILINE);

    @Test
    @Timeout(value = 45, unit = TimeUnit.MINUTES)
    void upInAFreshCloneServesThroughTheBalancerAndDownLeavesNothingBehind() throws Exception {
        for (int round = 1; round <= ROUNDS; round++) {
            try (FreshCheckout checkout = FreshCheckout.cloneRepository("round " + round + " of " + ROUNDS)) {
                try {
                    upServeStatusDown(checkout);
                    System.out.print(checkout.transcript()); // in target/surefire-reports/*-output.txt
                } catch (Throwable failure) {
                    throw new AssertionError("round " + round + " of " + ROUNDS + ": " + failure.getMessage() + "\n"
                            + checkout.diagnostics(), failure);
                }
            }
        }
    }

    private static void upServeStatusDown(FreshCheckout checkout) {
        Result up = checkout.chorus(Duration.ofMinutes(10), "up");
        assertThat(up.exit()).as("bin/chorus up's exit code").isZero();

        postAndReadThroughTheBalancer(checkout.balancer());
        awaitStatusWithEveryInstanceReadyAndOneLeader(checkout, Duration.ofSeconds(60));

        Map<Long, String> started = checkout.processesRunningFromHere();
        assertThat(started.size()).as("processes running from the clone before down (instances, nginx):\n%s",
                LocalSystem.describe(started)).isGreaterThan(FreshCheckout.INSTANCES);
        Result down = checkout.chorus(Duration.ofMinutes(3), "down");
        assertThat(down.exit()).as("bin/chorus down's exit code").isZero();
        assertThat(LocalSystem.alive(started.keySet())).as("processes of the cluster still alive after down").isEmpty();
        Map<Long, String> left = checkout.processesRunningFromHere();
        assertThat(left).as("processes running from the clone after down:\n%s", LocalSystem.describe(left)).isEmpty();
        assertThat(LocalSystem.listening(checkout.ports())).as("ports of %s still listening after down", checkout.ports()).isEmpty();
    }

    /** Register, log in, create a group, post and read the message back, all through nginx. */
    private static void postAndReadThroughTheBalancer(Api api) {
        Api.Session ada = api.newUser("Ada");
        String group = api.createGroup(ada.accessToken(), "first run");
        Api.Response posted = api.post("/api/messages", ada.accessToken(), Map.of("content", "hello from a fresh checkout",
                "targetType", "group", "targetIds", List.of(group), "clientMessageId", "fresh-1"));
        assertThat(posted.status()).as("POST /api/messages through the balancer: %s", posted).isEqualTo(201);
        assertThat(posted.header("X-Instance-ID")).as("the instance that served the post").matches("chorus-\\d+");
        Api.Response history = api.get("/api/groups/" + group + "/messages?afterSeq=0", ada.accessToken());
        assertThat(history.status()).as("history through the balancer: %s", history).isEqualTo(200);
        assertThat(history.json().path("messages").get(0).path("content").asString()).isEqualTo("hello from a fresh checkout");
    }

    /** Leadership is granted shortly after the instances are ready: polls bin/chorus status until it shows it. */
    private static void awaitStatusWithEveryInstanceReadyAndOneLeader(FreshCheckout checkout, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Result status;
        while (true) {
            status = checkout.chorus(Duration.ofSeconds(30), "status");
            if (status.exit() == 0 && everyInstanceReadyAndOneLeader(status.output())) {
                break;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("bin/chorus status did not show " + FreshCheckout.INSTANCES
                        + " ready instances, one leader and the balancer within " + timeout + "; last:\n" + status.output());
            }
            pause(Duration.ofSeconds(1)); // polling interval, not a wait for the outcome
        }
        assertThat(status.output()).contains("balancer   nginx, pid ");
    }

    private static boolean everyInstanceReadyAndOneLeader(String status) {
        Matcher row = STATUS_ROW.matcher(status);
        int instances = 0;
        int ready = 0;
        int leaders = 0;
        while (row.find()) {
            instances++;
            ready += row.group(4).equals("yes") ? 1 : 0;
            leaders += row.group(5).equals("yes") ? 1 : 0;
        }
        return instances == FreshCheckout.INSTANCES && ready == instances && leaders == 1
                && status.contains("balancer   nginx, pid ");
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while polling bin/chorus status");
        }
    }
}
