package dev.chorus.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Opens the run's sockets: every subscriber subscribed (and confirmed) before any publisher connects. Sockets go to
 * the URLs in turn (one URL: the balancer, which spreads them over the instances). The sockets are spread over a few
 * JDK clients, because each client reads all its sockets on one selector thread.
 */
final class BenchSockets implements AutoCloseable {

    private static final int CLIENTS = 4;
    private static final int CONNECTING_AT_ONCE = 100;

    private final List<HttpClient> clients = new ArrayList<>();
    private final List<String> urls;
    private final List<WebSocket> open = new ArrayList<>();

    BenchSockets(List<String> urls) {
        this.urls = urls;
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
        }
    }

    void openSubscribers(FanOutLayout layout, FanOutFixture fixture, Steps steps) throws InterruptedException {
        CountDownLatch subscribed = new CountDownLatch(layout.subscribers());
        List<CompletableFuture<WebSocket>> batch = new ArrayList<>();
        for (int i = 0; i < layout.subscribers(); i++) {
            String token = fixture.subscriberTokens().get(layout.userOfSubscriber(i));
            String group = fixture.groupIds().get(layout.groupOfSubscriber(i));
            batch.add(connect(i, token, new Subscriber(steps, subscribed)).thenCompose(ws -> ws.sendText(
                    "{\"type\":\"subscribe\",\"groupId\":\"" + group + "\"}", true)));
            if (batch.size() == CONNECTING_AT_ONCE || i == layout.subscribers() - 1) {
                batch.forEach(f -> open.add(f.join()));
                batch.clear();
            }
        }
        if (!subscribed.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(subscribed.getCount() + " subscribers not subscribed after 120 s");
        }
    }

    List<Publisher> openPublishers(FanOutLayout layout, FanOutFixture fixture, Steps steps,
            Map<String, Integer> groupIndex) {
        List<Publisher> publishers = new ArrayList<>();
        for (int p = 0; p < layout.publishers(); p++) {
            Publisher publisher = new Publisher(steps, groupIndex);
            WebSocket ws = connect(p, fixture.publisherTokens().get(layout.userOfPublisher(p)), publisher).join();
            publisher.attach(ws);
            open.add(ws);
            publishers.add(publisher);
        }
        return publishers;
    }

    /**
     * Opens a socket and authenticates it as Chorus's own clients do, with a first {@code auth} frame (a token in the
     * URL would end up in logs). The server handles a socket's frames in order, so frames sent once this completes
     * are handled as the user's; the {@code authenticated} answer is ignored by the listeners.
     */
    private CompletableFuture<WebSocket> connect(int n, String token, WebSocket.Listener listener) {
        String url = urls.get(n % urls.size()).replaceFirst("^http", "ws") + "/ws";
        return clients.get(n % CLIENTS).newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(url), listener)
                .thenCompose(ws -> ws.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}", true));
    }

    @Override
    public void close() {
        open.forEach(WebSocket::abort);
    }
}
