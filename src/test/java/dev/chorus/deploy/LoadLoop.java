package dev.chorus.deploy;

import dev.chorus.support.Api.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * A bounded client loop: {@code threads} callers send requests one after another until {@link #stop()}, the
 * request budget or the time budget, whichever comes first. Every response is judged by {@code ok}; anything else
 * (another status, an exception) is kept as a failure, with the instance that served each success counted.
 */
final class LoadLoop implements AutoCloseable {

    private final ExecutorService pool;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    /** Requests sent again because their connection closed before a whole answer (see record). */
    private final AtomicLong closedBeforeAnswer = new AtomicLong();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> byInstance = new ConcurrentHashMap<>();
    private final Queue<Served> served = new ConcurrentLinkedQueue<>();

    /** A success: the instance that served it and when its request was sent ({@link System#nanoTime()}). */
    private record Served(String instance, long sentNanos) {
    }

    private LoadLoop(int threads) {
        this.pool = Executors.newFixedThreadPool(threads);
    }

    /** Starts the loop; {@code request} gets a running number and sends one request. */
    static LoadLoop start(int threads, long maxRequests, Duration maxTime, IntFunction<Response> request, Predicate<Response> ok) {
        return start(threads, maxRequests, maxTime, Duration.ZERO, request, ok);
    }

    /** As above, each caller pausing {@code pacing} between its requests: a steady load rather than a flood. */
    static LoadLoop start(int threads, long maxRequests, Duration maxTime, Duration pacing, IntFunction<Response> request,
            Predicate<Response> ok) {
        LoadLoop loop = new LoadLoop(threads);
        Instant deadline = Instant.now().plus(maxTime);
        for (int t = 0; t < threads; t++) {
            loop.pool.submit(() -> {
                while (loop.running.get() && Instant.now().isBefore(deadline)) {
                    long n = loop.sent.incrementAndGet();
                    if (n > maxRequests) {
                        break;
                    }
                    loop.record(() -> request.apply((int) n), ok);
                    if (!pacing.isZero()) {
                        try {
                            Thread.sleep(pacing); // the load's pace, not a wait for an outcome
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
        }
        return loop;
    }

    private void record(java.util.function.Supplier<Response> call, Predicate<Response> ok) {
        long sent = System.nanoTime();
        try {
            Response r;
            try {
                r = call.get();
            } catch (RuntimeException e) {
                String why = String.valueOf(e.getMessage());
                if (!why.contains("received no bytes") && !why.contains("bytes received")) {
                    throw e;
                }
                // A connection closed by the balancer before its answer was complete: an old nginx worker at a reload
                // closes an idle keep-alive connection as a request arrives on it ("received no bytes"), and when its
                // worker_shutdown_timeout ends it drops whatever it still holds, an answer half sent included ("fixed
                // content-length: N, bytes received: M"; it writes no access-log line for it). The client never got
                // a whole answer, and a real client sends it again. Every request of the loops is safe to repeat
                // (reads, or posts carrying a clientMessageId).
                closedBeforeAnswer.incrementAndGet();
                r = call.get();
            }
            if (ok.test(r)) {
                String instance = r.header("X-Instance-ID") == null ? "?" : r.header("X-Instance-ID");
                served.add(new Served(instance, sent));
                byInstance.computeIfAbsent(instance, k -> new AtomicLong()).incrementAndGet();
                succeeded.incrementAndGet();
            } else {
                failures.add(r.status() + " " + r.raw().request().method() + " " + r.raw().uri().getPath() + " " + r.raw().body());
            }
        } catch (RuntimeException e) {
            failures.add(e.toString());
        }
    }

    long succeeded() {
        return succeeded.get();
    }

    long servedBy(String instance) {
        AtomicLong n = byInstance.get(instance);
        return n == null ? 0 : n.get();
    }

    /**
     * How many requests sent after {@code sentAfterNanos} ({@link System#nanoTime()}) this instance served. Unlike a
     * count taken at that moment, a response still on its way to the counter then cannot blur it.
     */
    long servedBy(String instance, long sentAfterNanos) {
        return served.stream().filter(s -> s.instance().equals(instance) && s.sentNanos() - sentAfterNanos > 0).count();
    }

    Map<String, Long> byInstance() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        byInstance.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops sending and waits for the requests in flight. */
    void stop() {
        running.set(false);
        finish(Duration.ofSeconds(60));
    }

    /** Waits until the loop has used up its budget. */
    void finish(Duration timeout) {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("requests still in flight after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        pool.shutdownNow();
    }
}
