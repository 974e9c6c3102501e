package dev.chorus.chaos;

import dev.chorus.support.Api;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A publisher over {@code POST /api/messages} through the balancer, as a real client: each message carries a
 * {@code clientMessageId} and is sent again with the same id after a 5xx, a 429, a timeout or a broken connection,
 * with a backoff, until it is stored or the run gives up ({@link #giveUpAt}). At most {@link #IN_FLIGHT} requests are
 * open at once; further messages wait their turn (a server that stalls shows as a backlog, not as thousands of
 * connections).
 */
final class RestPublisher implements AutoCloseable {

    static final int IN_FLIGHT = 32;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final Api api;
    private final String token;
    private final SendLedger ledger;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore permits = new Semaphore(IN_FLIGHT);
    private final AtomicInteger pending = new AtomicInteger();
    /** After this moment ({@link System#nanoTime()}) no attempt starts; set by the run's thread. */
    private volatile long giveUpAt = Long.MAX_VALUE;

    RestPublisher(Api api, String token, SendLedger ledger) {
        this.api = api;
        this.token = token;
        this.ledger = ledger;
    }

    void send(String clientMessageId, String group, String content) {
        pending.incrementAndGet();
        threads.submit(() -> {
            try {
                permits.acquire();
                try {
                    deliver(clientMessageId, group, content);
                } finally {
                    permits.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pending.decrementAndGet();
            }
        });
    }

    /** Messages not yet stored nor given up. */
    int unfinished() {
        return pending.get();
    }

    void giveUpAt(long nanos) {
        giveUpAt = nanos;
    }

    private void deliver(String clientMessageId, String group, String content) throws InterruptedException {
        String body = Api.JSON.writeValueAsString(Map.of("content", content, "targetType", "group",
                "targetIds", List.of(group), "clientMessageId", clientMessageId));
        long backoffMs = 250;
        while (System.nanoTime() < giveUpAt) {
            long started = System.nanoTime();
            String kind;
            try {
                HttpRequest.Builder request = api.request("/api/messages", token).timeout(REQUEST_TIMEOUT)
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
                Api.Response response = api.send(request);
                if (response.status() == 201) {
                    ledger.acknowledged(clientMessageId, response.json().path("messages").path(0).path("seq").asLong(), System.nanoTime());
                    return;
                }
                kind = "rest " + response.status();
                if (response.status() < 500 && response.status() != 429 && response.status() != 408) {
                    ledger.failed(kind + " (not retried)", elapsedMs(started));
                    return;
                }
            } catch (IllegalStateException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                kind = "rest " + cause.getClass().getSimpleName();
            }
            ledger.failed(kind, elapsedMs(started));
            Thread.sleep(backoffMs); // a client's backoff before it tries again
            backoffMs = Math.min(2000, backoffMs * 2);
        }
    }

    private static long elapsedMs(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Override
    public void close() {
        giveUpAt = 0;
        threads.shutdownNow();
    }
}
