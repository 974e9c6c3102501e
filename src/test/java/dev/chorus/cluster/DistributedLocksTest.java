package dev.chorus.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Await;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Named Redis locks between two instances: one holder, renewed while held, released only by its holder. */
class DistributedLocksTest {

    static TestCluster cluster;
    static DistributedLocks one;
    static DistributedLocks two;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        one = cluster.start("locks-1").bean(DistributedLocks.class);
        two = cluster.start("locks-2").bean(DistributedLocks.class);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void onlyOneInstanceHoldsALockAtATime() {
        try (HeldLock held = one.tryAcquire("exclusive", Duration.ofSeconds(5)).orElseThrow()) {
            assertThat(two.tryAcquire("exclusive", Duration.ofSeconds(5))).isEmpty();
            assertThat(one.tryAcquire("exclusive", Duration.ofSeconds(5))).isEmpty();
            assertThat(held.isHeld()).isTrue();
        }
        try (HeldLock next = two.tryAcquire("exclusive", Duration.ofSeconds(5)).orElseThrow()) {
            assertThat(next.isHeld()).isTrue();
        }
    }

    @Test
    void aLockCanBeReleasedOnlyByItsHolder() {
        HeldLock held = one.tryAcquire("owned", Duration.ofSeconds(5)).orElseThrow();
        assertThat(two.release("owned", "not-the-owners-token")).isFalse();
        assertThat(one.release("owned", "00000000-0000-0000-0000-000000000000")).isFalse();
        assertThat(two.tryAcquire("owned", Duration.ofSeconds(5))).isEmpty();
        assertThat(heldNames(two)).contains("owned");
        assertThat(two.release("owned", held.ownerToken())).as("the holder's token releases it, from anywhere").isTrue();
        assertThat(heldNames(one)).doesNotContain("owned");
        held.close();
    }

    /**
     * Renewal runs every third of the TTL; the TTL is long enough that a renewal thread starved for a second on a busy
     * machine still renews in time, so only a lock that is not renewed at all fails this.
     */
    @Test
    void aHeldLockIsRenewedPastItsTtl() throws InterruptedException {
        Duration ttl = Duration.ofMillis(1500);
        try (HeldLock held = one.tryAcquire("renewed", ttl).orElseThrow()) {
            Instant until = Instant.now().plus(ttl.multipliedBy(3));
            while (Instant.now().isBefore(until)) {
                assertThat(two.tryAcquire("renewed", ttl)).as("still held by its renewing holder").isEmpty();
                assertThat(held.isHeld()).isTrue();
                Thread.sleep(50); // between two looks, not a wait for an outcome
            }
        }
    }

    @Test
    void aLockWhoseHolderStopsRenewingExpiresAndTheHolderLearnsItLostIt() {
        HeldLock held = one.tryAcquire("abandoned", Duration.ofMillis(500)).orElseThrow();
        assertThat(two.release("abandoned", held.ownerToken())).isTrue(); // as if it had expired
        Optional<HeldLock> taken = two.tryAcquire("abandoned", Duration.ofSeconds(5));
        assertThat(taken).isPresent();
        Await.until(Duration.ofSeconds(5), "the first holder notices at its next renewal", held::isHeld, stillHeld -> !stillHeld);
        held.close();
        assertThat(heldNames(one)).as("closing a lost lock does not release the new holder's").contains("abandoned");
        taken.get().close();
    }

    @Test
    void heldLocksAreListedWithHolderAndExpiry() {
        try (HeldLock held = two.tryAcquire("listed", Duration.ofSeconds(30)).orElseThrow()) {
            LockInfo info = one.held().stream().filter(l -> l.name().equals("listed")).findFirst().orElseThrow();
            assertThat(info.holder()).isEqualTo("locks-2");
            assertThat(info.expiresAt()).isAfter(Instant.now()).isBefore(Instant.now().plusSeconds(31));
            assertThat(info.acquiredAt()).isBeforeOrEqualTo(Instant.now());
        }
    }

    static List<String> heldNames(DistributedLocks locks) {
        return locks.held().stream().map(LockInfo::name).toList();
    }
}
