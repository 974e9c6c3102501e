package dev.chorus.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.auth.AuthProperties;
import dev.chorus.ops.ServiceBusyException;
import dev.chorus.support.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final PasswordHasher hasher = new PasswordHasher(new AuthProperties(java.util.List.of("x".repeat(32)), Duration.ofMinutes(15), Duration.ofDays(7),
            true, "", Duration.ofDays(30), 1, Duration.ofMillis(300)), meters);

    @AfterEach
    void stop() {
        hasher.destroy();
    }

    @Test
    void aSignInThatFindsEverySlotTakenForTheWholeWaitIsRefusedWith503AndRetryAfter() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> hasher.withSlot(() -> {
            holding.countDown();
            await(release);
            return "first";
        }));
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        assertThatThrownBy(() -> hasher.withSlot(() -> "second")).isInstanceOfSatisfying(ServiceBusyException.class, busy -> {
            assertThat(busy.status().value()).isEqualTo(503);
            assertThat(busy.code()).isEqualTo("busy");
            assertThat(busy.retryAfterSeconds()).isPositive();
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(meters.counter("chorus.password.hash.refused").count()).isEqualTo(1);

        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(hasher.withSlot(() -> "third")).isEqualTo("third");
    }

    @Test
    void aSignInThatCouldNotGetItsTurnWithinTheWaitIsRefusedAtOnce() throws Exception {
        hasher.hash("teaches the hasher how long a hash takes");
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> hasher.withSlot(() -> {
            holding.countDown();
            await(release);
            return "first";
        }));
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        // Hundreds already waiting: with one slot and the measured hash time, the last of them cannot be served in 300 ms.
        List<Thread> waiting = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            waiting.add(Thread.ofVirtual().start(() -> {
                try {
                    hasher.withSlot(() -> "queued");
                } catch (ServiceBusyException expected) {
                    // refused, as most of them must be
                }
            }));
        }
        Await.until(Duration.ofSeconds(10), "each of them waits for a slot or was refused", () -> waiting.stream()
                .allMatch(t -> t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.TERMINATED));
        long start = System.nanoTime();
        assertThatThrownBy(() -> hasher.withSlot(() -> "late")).isInstanceOf(ServiceBusyException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(250));
        release.countDown();
        first.get(5, TimeUnit.SECONDS);
        for (Thread thread : waiting) {
            thread.join(5_000);
        }
    }

    @Test
    void hashesAreArgon2idAndVerify() {
        String hash = hasher.withSlot(() -> hasher.hash("correct horse battery"));
        assertThat(hash).startsWith("$argon2id$");
        assertThat(hasher.matches("correct horse battery", hash)).isTrue();
        assertThat(hasher.matches("wrong horse battery", hash)).isFalse();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
