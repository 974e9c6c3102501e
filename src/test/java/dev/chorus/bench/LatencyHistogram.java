package dev.chorus.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies recorded from many threads into a fixed 35 KiB of counters, whatever the rate or the duration: exact
 * below 128 µs, then 128 buckets per power of two (each under 0.8 % wide). A percentile answers with the upper
 * bound of its bucket, so it never flatters (and never exceeds the largest latency seen, which is kept exactly).
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 7;
    private static final int SUB = 1 << SUB_BITS;
    private static final int LARGEST_EXPONENT = 40; // 2^40 µs is about 12 days: larger values count as that
    private static final int BUCKETS = (LARGEST_EXPONENT - SUB_BITS + 2) * SUB;

    /** Updated atomically by any recording thread. */
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    /** Updated atomically by any recording thread. */
    private final AtomicLong count = new AtomicLong();
    /** Updated atomically by any recording thread. */
    private final AtomicLong maxNanos = new AtomicLong();

    void record(long nanos) {
        long value = Math.max(0, nanos);
        counts.incrementAndGet(index(value / 1000));
        count.incrementAndGet();
        maxNanos.accumulateAndGet(value, Math::max);
    }

    long count() {
        return count.get();
    }

    long maxNanos() {
        return maxNanos.get();
    }

    /** The latency that q (0 < q ≤ 1) of the recorded ones do not exceed (to the microsecond), in ns; 0 if none. */
    long percentileNanos(double q) {
        long total = count.get();
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(maxNanos.get(), upperBoundMicros(i) * 1000);
            }
        }
        return maxNanos.get();
    }

    static int index(long micros) {
        long v = Math.min(micros, (1L << (LARGEST_EXPONENT + 1)) - 1);
        if (v < SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        int shift = exponent - SUB_BITS;
        return (shift + 1) * SUB + (int) (v >>> shift) - SUB;
    }

    static long upperBoundMicros(int index) {
        if (index < SUB) {
            return index;
        }
        int shift = index / SUB - 1;
        long mantissa = index % SUB + SUB;
        return ((mantissa + 1) << shift) - 1;
    }
}
