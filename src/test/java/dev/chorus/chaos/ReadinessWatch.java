package dev.chorus.chaos;

import dev.chorus.chaos.RunRecord.Sample;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Asks every instance's {@code /health/ready} (straight to its port) every {@link #EVERY}, for the whole run, and
 * notes how long each answer took: SPEC §5 wants every answer within 1 second whatever state the dependencies are
 * in, which the verdict reports. An answer is waited for up to {@link #TIMEOUT}, so that a machine busy for a moment
 * does not read as an instance that is down.
 */
final class ReadinessWatch implements AutoCloseable {

    static final Duration EVERY = Duration.ofMillis(250);
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final List<Thread> watchers = new ArrayList<>();
    private volatile boolean running = true;

    ReadinessWatch(Map<String, Integer> ports) {
        ports.forEach((instance, port) -> watchers.add(Thread.ofVirtual().name("ready-" + instance).start(() -> watch(instance, port))));
    }

    private void watch(String instance, int port) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(TIMEOUT).GET().build();
        while (running) {
            long at = System.nanoTime();
            int status;
            try {
                status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                status = -1;
            } catch (InterruptedException e) {
                return;
            }
            samples.add(new Sample(instance, at, status, (System.nanoTime() - at) / 1_000_000));
            try {
                Thread.sleep(EVERY); // the pace of the looks, not a wait for an outcome
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Every look so far, in time order. */
    List<Sample> samples() {
        List<Sample> all = new ArrayList<>(samples);
        all.sort(Comparator.comparingLong(Sample::atNanos));
        return all;
    }

    @Override
    public void close() {
        running = false;
        watchers.forEach(Thread::interrupt);
    }
}
