package dev.chorus.chaos;

import dev.chorus.chaos.RunRecord.Window;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * One chaos run (a program, not a test; {@code bin/chorus chaos SCENARIO} runs it, and the process-level tests run
 * the same code): on a cluster of its own ({@link ChaosCluster}), subscribers pinned to every instance, publishers
 * over WebSocket and REST through the balancer at {@code --rate} messages a second, the scenario's fault injected
 * {@code --fault-at} seconds in; then the load stops by itself, the publishers get 30 s to finish their retries,
 * the subscribers 30 s to catch up, every subscriber closes its socket and presence gets 45 s to show nobody online.
 * Prints one JSON verdict ({@link Verdict}) on stdout, progress on stderr. Exit code 0 when nothing acknowledged was
 * lost or duplicated, 1 when something was, 2 for a bad command line, 3 when the run itself could not be made.
 *
 * <pre>bin/chorus chaos sentinel-failover --rate 200 --duration 20</pre>
 */
public final class ChaosRun {

    static final int INSTANCES = 3;
    private static final Duration PUBLISHERS_DRAIN = Duration.ofSeconds(30);
    private static final Duration SUBSCRIBERS_DRAIN = Duration.ofSeconds(30);
    private static final Duration PRESENCE_DEADLINE = Duration.ofSeconds(45);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ChaosCluster cluster;
    private final ChaosOptions options;

    ChaosRun(ChaosCluster cluster, ChaosOptions options) {
        this.cluster = cluster;
        this.options = options;
    }

    public static void main(String[] argv) {
        ChaosOptions options;
        try {
            options = ChaosOptions.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: " + e.getMessage());
            System.err.println("usage: bin/chorus chaos SCENARIO [--rate R] [--duration S] [--fault-at S] [--outage S]"
                    + " [--subscribers-per-instance N] [--groups G]; scenarios: " + Scenario.labels());
            System.exit(2);
            return;
        }
        int code;
        try (ChaosCluster cluster = startCluster(options)) {
            Verdict verdict = new ChaosRun(cluster, options).run();
            System.out.println(JSON.writeValueAsString(verdict.toJson()));
            code = verdict.passed() ? 0 : 1;
        } catch (RuntimeException | InterruptedException e) {
            e.printStackTrace();
            code = 3;
        }
        System.exit(code);
    }

    static ChaosCluster startCluster(ChaosOptions options) {
        say("starting " + INSTANCES + " instances behind nginx, PostgreSQL through a proxy, "
                + switch (options.scenario().topology()) {
                    case SENTINEL -> "Redis master, replica and 3 Sentinels";
                    case CLUSTER -> "a Redis Cluster of 3 masters with a replica each";
                    case PLAIN -> "a private Redis";
                });
        return ChaosCluster.start(options.scenario().topology(), INSTANCES);
    }

    Verdict run() throws InterruptedException {
        Map<String, Integer> ports = cluster.instancePorts();
        int subscriberCount = ports.size() * options.subscribersPerInstance();
        say("creating users and " + options.groups() + " groups");
        ChaosFixture fixture = ChaosFixture.create(cluster.api(), subscriberCount, options.groups());
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        SendLedger ledger = new SendLedger();
        List<PinnedSubscriber> subscribers = new ArrayList<>();
        List<WsPublisher> wsPublishers = new ArrayList<>();
        try (RestPublisher rest = new RestPublisher(cluster.api(), fixture.restPublisher().accessToken(), ledger)) {
            int n = 0;
            for (Map.Entry<String, Integer> instance : ports.entrySet()) {
                for (int k = 0; k < options.subscribersPerInstance(); k++, n++) {
                    PinnedSubscriber subscriber = new PinnedSubscriber(http, instance.getValue(),
                            fixture.subscribers().get(n).accessToken(), fixture.groups(),
                            new SubscriberLog("sub-" + (n + 1), instance.getKey()), timer);
                    subscribers.add(subscriber);
                    subscriber.connect();
                }
            }
            if (!waitUntil(Duration.ofSeconds(60), () -> subscribers.stream().allMatch(PinnedSubscriber::subscribedToAll))) {
                throw new IllegalStateException("the subscribers were not all subscribed within 60 s");
            }
            fixture.wsPublishers().forEach(p -> wsPublishers.add(new WsPublisher(http, cluster.api().base(), p.accessToken(), ledger, timer)));
            wsPublishers.forEach(WsPublisher::start);
            try (ReadinessWatch readiness = new ReadinessWatch(ports)) {
                long start = System.nanoTime();
                Window fault = load(start, fixture, ledger, wsPublishers, rest);
                say("load over; publishers finish their retries");
                rest.giveUpAt(System.nanoTime() + PUBLISHERS_DRAIN.toNanos());
                waitUntil(PUBLISHERS_DRAIN.plusSeconds(15), () -> rest.unfinished() == 0
                        && wsPublishers.stream().allMatch(p -> p.unacknowledged() == 0));
                wsPublishers.forEach(WsPublisher::close);
                List<RunRecord.Stored> history = fixture.history(cluster.api());
                say("waiting for the subscribers to hold all " + history.size() + " stored messages");
                waitUntil(SUBSCRIBERS_DRAIN, () -> subscribersHoldEverything(subscribers, history));
                long end = System.nanoTime();
                readiness.close();
                Verdict verdict = Verdict.judge(new RunRecord(options.scenario().label(), options.rate(), options.durationS(),
                        List.copyOf(ports.keySet()), start, end, fault, ledger.sends(), history,
                        subscribers.stream().map(PinnedSubscriber::log).toList(), readiness.samples(), ledger.failures(),
                        ledger.slowestFailureMs()));
                checkPresence(fixture, subscribers, verdict);
                return verdict;
            }
        } finally {
            wsPublishers.forEach(WsPublisher::close);
            subscribers.forEach(PinnedSubscriber::close);
            timer.shutdownNow();
        }
    }

    /**
     * Sends at the rate (even messages over WebSocket, odd ones over REST, groups in turn) while the fault runs on a
     * thread of its own, until the duration has passed and the fault ended at least {@link ChaosOptions#TAIL} ago.
     */
    private Window load(long start, ChaosFixture fixture, SendLedger ledger, List<WsPublisher> ws, RestPublisher rest)
            throws InterruptedException {
        String run = UUID.randomUUID().toString().substring(0, 8);
        CompletableFuture<Window> fault = new CompletableFuture<>();
        Thread injector = Thread.ofPlatform().name("chaos-fault").start(() -> {
            LockSupport.parkNanos(options.faultAtS() * 1_000_000_000L);
            say("injecting " + options.scenario().label());
            try {
                Window window = options.scenario().inject(cluster, options.outage());
                say(options.scenario().label() + " over");
                fault.complete(window);
            } catch (RuntimeException e) {
                fault.completeExceptionally(e);
            }
        });
        say("sending " + options.rate() + " msg/s for at least " + options.durationS() + " s");
        long interval = 1_000_000_000L / options.rate();
        long durationEnd = start + options.durationS() * 1_000_000_000L;
        for (long k = 0; ; k++) {
            long due = start + k * interval;
            long now = System.nanoTime();
            if (now >= durationEnd && fault.isDone()
                    && (fault.isCompletedExceptionally() || now >= fault.join().endNanos() + ChaosOptions.TAIL.toNanos())) {
                break;
            }
            if (due > now) {
                LockSupport.parkNanos(due - now); // the load's pace
            }
            String id = run + "-" + k;
            String group = fixture.groups().get((int) (k % fixture.groups().size()));
            String content = "chaos " + id;
            if (k % 2 == 0) {
                ledger.planned(id, group, "ws");
                ws.get((int) (k / 2 % ws.size())).send(id, group, content);
            } else {
                ledger.planned(id, group, "rest");
                rest.send(id, group, content);
            }
        }
        injector.join();
        try {
            return fault.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the fault could not be injected: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static boolean subscribersHoldEverything(List<PinnedSubscriber> subscribers, List<RunRecord.Stored> history) {
        for (RunRecord.Stored stored : history) {
            for (PinnedSubscriber subscriber : subscribers) {
                if (!subscriber.log().has(stored.group(), stored.seq())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Closes every subscriber's socket and waits until presence shows nobody online in the run's groups. */
    private void checkPresence(ChaosFixture fixture, List<PinnedSubscriber> subscribers, Verdict verdict) {
        subscribers.forEach(PinnedSubscriber::close);
        long closed = System.nanoTime();
        say("subscribers gone; waiting for presence to show nobody online");
        List<String> seen = new ArrayList<>();
        boolean clear = waitUntil(PRESENCE_DEADLINE, () -> {
            List<String> online = fixture.online(cluster.api());
            seen.clear();
            seen.addAll(online);
            return online.isEmpty();
        });
        verdict.presence(clear ? Math.round((System.nanoTime() - closed) / 1e7) / 100.0 : null, clear ? List.of() : seen);
    }

    /** Looks at the condition every 200 ms until it holds (true) or the time is up (false). */
    private static boolean waitUntil(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException notYet) {
                // an instance or Redis still coming back: look again
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(200_000_000L); // between two looks, not a wait for the outcome
        }
    }

    static void say(String text) {
        System.err.println("chaos: " + text);
    }
}
