package dev.chorus.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * WebSocket fan-out benchmark (a program, not a test): opens N subscribers spread over the instances, each
 * subscribed to one of G groups, publishes at R messages/s for D seconds through send frames spread over the
 * instances, and prints one JSON line with loss and latency (publish → frame received, same JVM clock).
 *
 * <pre>bin/chorus bench ws --subscribers 1000 --groups 100 --rate 1000 --duration 30</pre>
 *
 * Arguments: {@code --urls http://127.0.0.1:9081,...} (the instances), {@code --subscribers}, {@code --groups},
 * {@code --rate}, {@code --duration} (seconds), {@code --publishers} (sockets that publish), {@code --warmup} (seconds
 * of publishing at the same rate before measuring, so the JIT has compiled the hot paths; default 60).
 */
public final class FanOutBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String MARK = "bench:";

    private final List<String> urls;
    private final int subscribers;
    private final int groups;
    private final int rate;
    private final int durationSeconds;
    private final int publishers;
    private final int warmupSeconds;
    private final long[] latenciesNanos;
    private final AtomicInteger samples = new AtomicInteger();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong lastDeliveryNanos = new AtomicLong();
    private volatile long measureStartNanos;

    private FanOutBenchmark(Map<String, String> args) {
        urls = Arrays.asList(args.getOrDefault("urls", "http://127.0.0.1:9081,http://127.0.0.1:9082,http://127.0.0.1:9083").split(","));
        subscribers = Integer.parseInt(args.getOrDefault("subscribers", "1000"));
        groups = Integer.parseInt(args.getOrDefault("groups", "100"));
        rate = Integer.parseInt(args.getOrDefault("rate", "1000"));
        durationSeconds = Integer.parseInt(args.getOrDefault("duration", "30"));
        publishers = Integer.parseInt(args.getOrDefault("publishers", "30"));
        warmupSeconds = Integer.parseInt(args.getOrDefault("warmup", "60"));
        long expected = (long) rate * durationSeconds * Math.max(1, subscribers / groups) * 2L;
        latenciesNanos = new long[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(1_000_000, expected))];
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        new FanOutBenchmark(args).run();
        System.exit(0);
    }

    private void run() throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        List<String> tokens = new ArrayList<>();
        int users = Math.max(1, Math.min(50, subscribers / Math.max(1, groups) * 2));
        List<String> emails = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            String email = "bench-" + runId + "-" + u + "@example.test";
            post(urls.get(0), "/api/auth/register", null, Map.of("email", email, "password", "bench-password-1", "displayName", "bench" + u));
            tokens.add(post(urls.get(0), "/api/auth/login", null, Map.of("email", email, "password", "bench-password-1")).path("accessToken").asString());
            emails.add(email);
        }
        List<String> groupIds = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            String id = post(urls.get(g % urls.size()), "/api/groups", tokens.get(0), Map.of("name", "bench " + g)).path("id").asString();
            for (int u = 1; u < users; u++) {
                post(urls.get(u % urls.size()), "/api/groups/" + id + "/members", tokens.get(0), Map.of("email", emails.get(u)));
            }
            groupIds.add(id);
        }
        CountDownLatch ready = new CountDownLatch(subscribers);
        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            String group = groupIds.get(i % groups);
            WebSocket ws = connect(urls.get(i % urls.size()), tokens.get(i % users), new Subscriber(ready));
            ws.sendText("{\"type\":\"subscribe\",\"groupId\":\"" + group + "\"}", true).join();
            sockets.add(ws);
        }
        if (!ready.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("subscribers not all subscribed: " + ready.getCount() + " missing");
        }
        List<Publisher> pubs = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            Publisher publisher = new Publisher();
            publisher.socket = connect(urls.get(p % urls.size()), tokens.get(p % users), publisher);
            pubs.add(publisher);
        }
        if (warmupSeconds > 0) {
            drain(publish(pubs, groupIds, warmupSeconds));
            samples.set(0);
            delivered.set(0);
            acked.set(0);
            errors.set(0);
        }
        measureStartNanos = System.nanoTime();
        long published = publish(pubs, groupIds, durationSeconds);
        long expected = drain(published);
        report(published, expected);
        sockets.forEach(WebSocket::abort);
        pubs.forEach(p -> p.socket.abort());
    }

    /** Paces sends at the rate for the duration, spreading them over publishers and groups. */
    private long publish(List<Publisher> pubs, List<String> groupIds, int seconds) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long sent = 0;
        while (System.nanoTime() < end) {
            long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
            while (sent < due) {
                Publisher p = pubs.get((int) (sent % pubs.size()));
                String group = groupIds.get((int) (sent % groupIds.size()));
                p.send("{\"type\":\"send\",\"groupId\":\"" + group + "\",\"content\":\"" + MARK + System.nanoTime()
                        + "\",\"clientMessageId\":\"" + UUID.randomUUID() + "\"}");
                sent++;
            }
            Thread.sleep(1);
        }
        return sent;
    }

    /** Waits for acks and deliveries to stop growing (at most 30 s) and returns the deliveries expected. */
    private long drain(long published) throws InterruptedException {
        long perGroup = subscribers / groups;
        long last = -1;
        for (int i = 0; i < 300; i++) {
            long now = delivered.get() + acked.get();
            if (acked.get() + errors.get() >= published && delivered.get() >= acked.get() * perGroup) {
                break;
            }
            if (now == last && i > 50) {
                break;
            }
            last = now;
            Thread.sleep(100);
        }
        long remainder = subscribers % groups;
        return acked.get() * perGroup + (remainder == 0 ? 0 : acked.get() * remainder / groups);
    }

    private void report(long published, long expected) {
        int n = Math.min(samples.get(), latenciesNanos.length);
        long[] sorted = Arrays.copyOf(latenciesNanos, n);
        Arrays.sort(sorted);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("subscribers", subscribers);
        out.put("groups", groups);
        out.put("rate", rate);
        out.put("duration_s", durationSeconds);
        out.put("published", acked.get());
        out.put("send_errors", errors.get() + (published - acked.get() - errors.get()));
        out.put("delivered", delivered.get());
        out.put("expected", expected);
        out.put("loss_pct", expected == 0 ? 0.0 : Math.max(0, Math.round((expected - delivered.get()) * 10000.0 / expected) / 100.0));
        double elapsed = Math.max(durationSeconds, (lastDeliveryNanos.get() - measureStartNanos) / 1e9);
        out.put("deliveries_per_s", Math.round(delivered.get() / elapsed));
        out.put("p50_ms", percentile(sorted, 0.50));
        out.put("p95_ms", percentile(sorted, 0.95));
        out.put("p99_ms", percentile(sorted, 0.99));
        out.put("max_ms", n == 0 ? 0 : round(sorted[n - 1]));
        System.out.println(JSON.writeValueAsString(out));
    }

    private static double percentile(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : round(sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
    }

    private static double round(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    private static WebSocket connect(String url, String token, WebSocket.Listener listener) {
        return HTTP.newWebSocketBuilder().buildAsync(URI.create(url.replaceFirst("^http", "ws") + "/ws?access_token=" + token), listener).join();
    }

    private static JsonNode post(String base, String path, String token, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body()
                    + (r.statusCode() == 429 ? " (run the bench cluster with RATE_LIMIT_PER_USER=0 RATE_LIMIT_PER_IP=0)" : ""));
        }
        return JSON.readTree(r.body());
    }

    /** Counts message frames and records their latency from the timestamp the publisher put in the content. */
    private final class Subscriber implements WebSocket.Listener {
        private final CountDownLatch ready;
        private final StringBuilder partial = new StringBuilder();

        Subscriber(CountDownLatch ready) {
            this.ready = ready;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            long now = System.nanoTime();
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                int mark = frame.indexOf(MARK);
                if (frame.startsWith("{\"type\":\"message\"") && mark > 0) {
                    int end = frame.indexOf('"', mark);
                    long sentAt = Long.parseLong(frame.substring(mark + MARK.length(), end));
                    delivered.incrementAndGet();
                    lastDeliveryNanos.accumulateAndGet(now, Math::max);
                    int slot = samples.getAndIncrement();
                    if (slot < latenciesNanos.length) {
                        latenciesNanos[slot] = now - sentAt;
                    }
                } else if (frame.contains("\"type\":\"subscribed\"")) {
                    ready.countDown();
                }
            }
            ws.request(1);
            return null;
        }
    }

    /** A publishing socket: sends one frame at a time (the JDK client's rule) and counts acks. */
    private final class Publisher implements WebSocket.Listener {
        private WebSocket socket;
        private CompletableFuture<WebSocket> chain = CompletableFuture.completedFuture(null);
        private final StringBuilder partial = new StringBuilder();

        synchronized void send(String frame) {
            chain = chain.thenCompose(ignored -> socket.sendText(frame, true));
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                if (frame.startsWith("{\"type\":\"ack\"")) {
                    acked.incrementAndGet();
                } else if (frame.contains("\"type\":\"error\"")) {
                    errors.incrementAndGet();
                }
            }
            ws.request(1);
            return null;
        }
    }
}
