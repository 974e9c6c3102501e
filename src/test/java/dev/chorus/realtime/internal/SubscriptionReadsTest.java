package dev.chorus.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.ops.ServiceBusyException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The queue in front of subscriptions' database reads: half the pool at once, the rest wait their turn. */
class SubscriptionReadsTest {

    @Test
    void readsBeyondHalfThePoolWaitForAPermitAndGoOnOnceOneIsFree() throws Exception {
        SubscriptionReads reads = new SubscriptionReads(2, Duration.ofSeconds(30));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = holdingTheOnlyPermit(reads, release);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> reads.read(() -> "second"));

        assertThatThrownBy(() -> second.get(300, TimeUnit.MILLISECONDS)).as("waits while the only permit is held")
                .isInstanceOf(TimeoutException.class);
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("held");
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("second");
    }

    @Test
    void aReadThatWaitedLongerThanTheWaitFailsAsBusyAndGivesNoPermitAway() throws Exception {
        SubscriptionReads reads = new SubscriptionReads(1, Duration.ofMillis(50));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> holder = holdingTheOnlyPermit(reads, release);

        assertThatThrownBy(() -> reads.read(() -> "late")).isInstanceOf(ServiceBusyException.class);
        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        assertThat(reads.read(() -> "after")).isEqualTo("after");
    }

    @Test
    void aFailingReadGivesItsPermitBack() {
        SubscriptionReads reads = new SubscriptionReads(1, Duration.ofMillis(50));
        assertThatThrownBy(() -> reads.read(() -> {
            throw new IllegalStateException("database down");
        })).hasMessage("database down");
        assertThat(reads.read(() -> "next")).isEqualTo("next");
    }

    /** A read that holds the permit until {@code release} opens; returns once it holds it. */
    private static CompletableFuture<String> holdingTheOnlyPermit(SubscriptionReads reads, CountDownLatch release)
            throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1);
        CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> reads.read(() -> {
            holding.countDown();
            await(release);
            return "held";
        }));
        assertThat(holding.await(10, TimeUnit.SECONDS)).as("the first read holds the permit").isTrue();
        return holder;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
