package dev.chorus.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Await;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 400 parallel logins with random e-mails (each would cost an Argon2id hash of the decoy, 16 MiB: 6.4 GiB in all)
 * against one instance process with a 256 MiB heap and the default hashing concurrency, every per-address limit off
 * so that all of them reach the hashing: the instance stays alive, answers /health/live within a second throughout,
 * and refuses what it cannot hash soon with 503 and Retry-After, never another 5xx.
 */
class PasswordHashingFloodTest {

    static final int LOGINS = 400;
    static TestCluster cluster;
    static ChorusProcess instance;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        instance = cluster.startProcess("flood", Map.of("RATE_LIMIT_PER_IP", "0", "RATE_LIMIT_LOGIN", "0",
                "RATE_LIMIT_LOGIN_PER_IP", "0"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void fourHundredParallelLoginsLeaveTheInstanceLiveAndAnswerOnly401Or503WithRetryAfter() throws Exception {
        Api api = instance.api();
        warmUp(api);
        List<Response> answers = new ArrayList<>();
        Probe probe = Probe.start(api.base() + "/health/live");
        int answeredBefore;
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            answeredBefore = Await.until(Duration.ofSeconds(10), "the /health/live probe to answer before the flood",
                    () -> probe.answered, n -> n >= 1);
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<Response>> logins = new ArrayList<>();
            for (int i = 0; i < LOGINS; i++) {
                logins.add(clients.submit(() -> {
                    gate.await();
                    return api.post("/api/auth/login", null,
                            Map.of("email", "nobody-" + UUID.randomUUID() + "@example.test", "password", "guess-" + UUID.randomUUID()));
                }));
            }
            gate.countDown();
            for (Future<Response> login : logins) {
                answers.add(login.get());
            }
            // At least one probe spans the flood or starts during it: the count moves on at least twice more.
            Await.until(Duration.ofSeconds(10), "the /health/live probe to answer twice more once the flood began",
                    () -> probe.answered, n -> n >= answeredBefore + 2);
        } finally {
            probe.stop();
        }

        assertThat(answers).extracting(Response::status).allSatisfy(s -> assertThat(s).isIn(401, 503));
        List<Response> busy = answers.stream().filter(r -> r.status() == 503).toList();
        assertThat(busy).allSatisfy(r -> {
            assertThat(r.text("error")).isEqualTo("busy");
            assertThat(r.text("requestId")).isEqualTo(r.header("X-Request-ID"));
            assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 5L);
        });
        assertThat(answers).filteredOn(r -> r.status() == 401).as("some logins were hashed and refused").isNotEmpty();
        assertThat(probe.failures).as("/health/live answers that failed or took 1 s or more, of %s", probe.latencies).isEmpty();
        assertThat(instance.isAlive()).isTrue();
        assertThat(api.newUser("afterwards").accessToken()).as("sign-up and login work once the flood is over").isNotBlank();
    }

    /**
     * A running instance has served requests before it is flooded: this compiles the login, 401 and 503 paths, so
     * that what the flood measures is the instance, not the first minute of its JIT compiler.
     */
    static void warmUp(Api api) throws Exception {
        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            List<Future<Response>> logins = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                logins.add(clients.submit(() -> api.post("/api/auth/login", null,
                        Map.of("email", "warm-" + UUID.randomUUID() + "@example.test", "password", "guess"))));
            }
            for (Future<Response> login : logins) {
                assertThat(login.get().status()).isIn(401, 503);
            }
        }
    }

    /**
     * Asks /health/live over and over, each time with a fresh curl process that times its own request (so the flood
     * this JVM sends cannot delay the measurement), noting every answer that is not a 200 within 1 s.
     */
    static final class Probe {
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        volatile int answered;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;

        static Probe start(String url) {
            Probe probe = new Probe();
            probe.thread = Thread.ofPlatform().name("live-probe").start(() -> {
                while (probe.running.get()) {
                    try {
                        Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "--max-time", "1",
                                "-w", "%{http_code} %{time_total} connect=%{time_connect} first-byte=%{time_starttransfer}", url).redirectErrorStream(true).start();
                        String out = new String(curl.getInputStream().readAllBytes()).trim();
                        curl.waitFor();
                        String[] parts = out.split(" ");
                        long millis = parts.length >= 2 ? Math.round(Double.parseDouble(parts[1]) * 1000) : -1;
                        probe.latencies.add(millis);
                        if (curl.exitValue() != 0 || !"200".equals(parts[0]) || millis >= 1000) {
                            probe.failures.add("curl exit " + curl.exitValue() + ": " + out);
                        }
                        probe.answered++;
                        Thread.sleep(100); // the probing interval, not a wait for an outcome
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        probe.failures.add(e.toString());
                    }
                }
            });
            return probe;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
