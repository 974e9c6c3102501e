package dev.chorus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import dev.chorus.support.Api;
import dev.chorus.support.Api.Response;
import dev.chorus.support.Api.Session;
import dev.chorus.support.Await;
import dev.chorus.support.Balancer;
import dev.chorus.support.ChorusProcess;
import dev.chorus.support.ForgedTokens;
import dev.chorus.support.TestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, signing-key rotation: the README's three steps, each a rolling restart of two instance processes behind
 * nginx under a steady load whose user refreshes its access token as a real client does (at half its life). The
 * keys come from a mounted-secret-like file (JWT_SECRETS_FILE) that is rewritten before each step. Nothing the load
 * sends fails, and after every single restart each instance accepts the tokens the other issues.
 */
@Tag("process")
class JwtKeyRotationTest {

    static final String OLD = "old-signing-key-0123456789-abcdefghijklmnop";
    static final String NEW = "new-signing-key-0123456789-abcdefghijklmnop";
    static final Duration ACCESS_TTL = Duration.ofSeconds(20);

    @Test
    void aKeyRolledOutInThreeStepsLogsNobodyOutAndNoInstanceRefusesAnothersTokens() throws IOException {
        Path keys = Files.createTempFile("chorus-jwt-secrets-", "");
        write(keys, OLD + "\n");
        TestCluster setup = new TestCluster().with("JWT_SECRET", "").with("JWT_SECRETS_FILE", keys.toString())
                .with("ACCESS_TOKEN_TTL", ACCESS_TTL.toString());
        try (BalancedCluster cluster = BalancedCluster.start(Balancer.Kind.NGINX, "rotate", 2, setup)) {
            Api lb = cluster.api();
            Session owner = lb.newUser("rotor");
            String group = lb.createGroup(owner.accessToken(), "rotation");
            RefreshingClient client = new RefreshingClient(lb, owner, ACCESS_TTL.dividedBy(2));
            Prober prober = new Prober(lb.newUser("prober"));
            String forgedWithOld = ForgedTokens.hs256(owner, OLD, Instant.now().plus(Duration.ofHours(1)));
            AtomicLong posted = new AtomicLong();
            assertThat(kid(owner.accessToken())).isEqualTo(idOf(OLD));

            try (LoadLoop load = LoadLoop.start(2, 100_000, Duration.ofSeconds(400), Duration.ofMillis(20),
                    n -> request(lb, client, group, n, posted), r -> r.status() == 200 || r.status() == 201)) {
                NginxBalancedClusterTest.awaitSucceeded(load, 50, Duration.ofSeconds(30));

                rollOut(cluster, load, prober, keys, OLD + "," + NEW, idOf(OLD)); // 1. the new key verifies everywhere
                rollOut(cluster, load, prober, keys, NEW + "," + OLD, idOf(NEW)); // 2. and signs
                assertThat(accepted(cluster, forgedWithOld)).as("a token without kid, signed with the old key, while it verifies")
                        .containsOnly(200);
                // The runbook's wait, not a wait for an outcome: every token signed with the old key has expired.
                sleep(ACCESS_TTL.plusSeconds(1));
                rollOut(cluster, load, prober, keys, NEW, idOf(NEW)); // 3. the old key goes

                load.stop();
                assertThat(load.failures()).as("failed requests of the load during the rotation").isEmpty();
                assertThat(load.byInstance().keySet()).hasSize(2);
            }
            assertThat(kid(client.token())).isEqualTo(idOf(NEW));
            assertThat(accepted(cluster, forgedWithOld)).as("the old key is gone from every instance").containsOnly(401);
            assertThat(cluster.cluster.queryLong("SELECT count(*) FROM messages WHERE group_id = '" + group + "'"))
                    .isEqualTo(posted.get()).isPositive();
            for (ChorusProcess process : cluster.processes()) {
                String log = Files.readString(process.log(), StandardCharsets.ISO_8859_1);
                assertThat(log).as("%s's log", process.id()).doesNotContain(OLD).doesNotContain(NEW);
            }
        } finally {
            Files.deleteIfExists(keys);
        }
    }

    /**
     * One step: the secret file rewritten, then each instance in turn out of the rotation, stopped, started (reading
     * the file), back. After each restart every instance is ready (no jwt-secret-mismatch) and accepts a token the
     * other just issued, and the token the restarted one issues carries the expected signer's kid.
     */
    private static void rollOut(BalancedCluster cluster, LoadLoop load, Prober prober, Path keys, String secrets, String signer) {
        write(keys, secrets + "\n");
        for (ChorusProcess process : cluster.processes()) {
            cluster.balancer.takeOut(process.id());
            process.terminate(Duration.ofSeconds(40));
            ChorusProcess back = cluster.restart(process);
            cluster.balancer.putBack(back.id());
            for (ChorusProcess p : cluster.processes()) {
                Await.until(Duration.ofSeconds(30), p.id() + " ready after " + back.id() + " restarted",
                        () -> p.api().get("/health/ready", null), r -> r.status() == 200);
            }
            assertThat(kid(prober.tokenFrom(back))).as("kid of a token %s issues", back.id()).isEqualTo(signer);
            for (ChorusProcess issuer : cluster.processes()) {
                String token = prober.tokenFrom(issuer);
                assertThat(accepted(cluster, token)).as("a token %s issued, at each instance", issuer.id()).containsOnly(200);
            }
            NginxBalancedClusterTest.awaitServed(load, back.id(), load.servedBy(back.id()) + 20, Duration.ofSeconds(30));
        }
    }

    private static List<Integer> accepted(BalancedCluster cluster, String token) {
        return cluster.processes().stream().map(p -> p.api().get("/api/users/me", token).status()).toList();
    }

    /** Every third request posts (with a clientMessageId, counted when stored), the others read; all with a fresh token. */
    private static Response request(Api lb, RefreshingClient client, String group, int n, AtomicLong posted) {
        String token = client.token();
        return switch (n % 3) {
            case 0 -> {
                Response r = lb.post("/api/messages", token, Map.of("content", "rotating " + n, "targetType", "group",
                        "targetIds", List.of(group), "clientMessageId", "rot-" + n));
                if (r.status() == 201) {
                    posted.incrementAndGet();
                }
                yield r;
            }
            case 1 -> lb.get("/api/users/me", token);
            default -> lb.get("/api/groups/" + group + "/messages?limit=20", token);
        };
    }

    /** A client that refreshes its access token once it is older than {@code refreshAfter}, one refresh at a time. */
    static final class RefreshingClient {
        private final Api api;
        private final Duration refreshAfter;
        /** Guarded by this. */
        private String access;
        /** Guarded by this. */
        private String refresh;
        /** Guarded by this. */
        private Instant issuedAt = Instant.now();

        RefreshingClient(Api api, Session session, Duration refreshAfter) {
            this.api = api;
            this.refreshAfter = refreshAfter;
            this.access = session.accessToken();
            this.refresh = session.refreshToken();
        }

        synchronized String token() {
            if (Instant.now().isAfter(issuedAt.plus(refreshAfter))) {
                Response r = api.post("/api/auth/refresh", null, Map.of("refreshToken", refresh));
                if (r.status() != 200) {
                    throw new IllegalStateException("refresh refused: " + r);
                }
                access = r.text("accessToken");
                refresh = r.text("refreshToken");
                issuedAt = Instant.now();
            }
            return access;
        }
    }

    /** A second user whose refreshes, sent to one instance directly, give a token that instance signed. */
    static final class Prober {
        private String refresh;

        Prober(Session session) {
            this.refresh = session.refreshToken();
        }

        String tokenFrom(ChorusProcess issuer) {
            Response r = issuer.api().post("/api/auth/refresh", null, Map.of("refreshToken", refresh));
            assertThat(r.status()).as("refresh at %s: %s", issuer.id(), r).isEqualTo(200);
            refresh = r.text("refreshToken");
            return r.text("accessToken");
        }
    }

    static String kid(String jwt) {
        try {
            return SignedJWT.parse(jwt).getHeader().getKeyID();
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key's id as the README describes it: an HMAC-SHA256 under the key of a fixed label, its first 16 bytes in hex. */
    static String idOf(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal("chorus-jwt-key-fingerprint".getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Like a mounted secret being updated: the new content appears at once, whole. */
    private static void write(Path file, String content) {
        try {
            Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), content);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
