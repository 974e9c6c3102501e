package dev.chorus.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The few API calls the benchmarks set themselves up with, against one base URL (normally the balancer). */
final class BenchApi {

    static final String PASSWORD = "bench-password-1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    BenchApi(String base) {
        this.base = base;
    }

    /** Registers a user and logs in: the login answer ({@code accessToken}, {@code refreshToken}, ...). */
    JsonNode newUser(String email) {
        post("/api/auth/register", null, Map.of("email", email, "password", PASSWORD, "displayName", "bench"));
        return login(email);
    }

    /** One login (an Argon2id hash check, on purpose slow): a new session with its own refresh token. */
    JsonNode login(String email) {
        return post("/api/auth/login", null, Map.of("email", email, "password", PASSWORD));
    }

    String createGroup(String token, String name) {
        return post("/api/groups", token, Map.of("name", name)).path("id").asString();
    }

    void addMember(String ownerToken, String groupId, String email) {
        post("/api/groups/" + groupId + "/members", ownerToken, Map.of("email", email));
    }

    void postMessage(String token, String groupId, String content) {
        post("/api/messages", token, Map.of("content", content, "targetType", "group", "targetIds", List.of(groupId)));
    }

    JsonNode post(String path, String token, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(path + " -> " + response.statusCode() + " " + response.body()
                        + (response.statusCode() == 429 ? " (the bench cluster runs with rate limits off)" : ""));
            }
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(path + ": interrupted", e);
        }
    }

    /** Runs n calls a few at a time (setup is not what is measured, but thousands of calls one by one are slow). */
    static <T> List<T> inParallel(int n, IntFunction<T> call) {
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<T>> futures = IntStream.range(0, n)
                    .mapToObj(i -> pool.submit((Callable<T>) () -> call.apply(i))).toList();
            return futures.stream().map(BenchApi::join).toList();
        }
    }

    private static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("setup failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("setup interrupted", e);
        }
    }
}
