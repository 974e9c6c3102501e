package dev.chorus.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for one instance, speaking JSON over a real connection. */
public final class Api {

    public static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final HttpClient http;

    public Api(String base) {
        this.base = base;
        this.http = HTTP;
    }

    /**
     * A client whose connections leave from {@code localAddress} (e.g. 127.0.0.2), so that a test can be several
     * clients on loopback, each with an address of its own.
     */
    public Api(String base, InetAddress localAddress) {
        this.base = base;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).localAddress(localAddress).build();
    }

    /** A client speaking through the given HttpClient, e.g. one that trusts a test's own certificate authority. */
    public Api(String base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    public String base() {
        return base;
    }

    /** The HttpClient this Api sends with (WsClient opens an https Api's sockets with it, so they trust the same CA). */
    public HttpClient client() {
        return http;
    }

    /** A response: status, headers and the body parsed as JSON (a missing node when it is empty or not JSON). */
    public record Response(int status, HttpResponse<String> raw, JsonNode json) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String text(String field) {
            JsonNode node = json.path(field);
            return node.isMissingNode() || node.isNull() ? null : node.asString();
        }

        @Override
        public String toString() {
            return status + " " + raw.body();
        }
    }

    public Response get(String path, String token) {
        return send(request(path, token).GET());
    }

    public Response delete(String path, String token) {
        return send(request(path, token).DELETE());
    }

    public Response post(String path, String token, Object body) {
        String json = body instanceof String s ? s : JSON.writeValueAsString(body);
        return postRaw(path, token, json, "application/json");
    }

    public Response postRaw(String path, String token, String body, String contentType) {
        HttpRequest.Builder b = request(path, token).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b);
    }

    public Response send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = response.body().isEmpty() ? JSON.missingNode() : JSON.readTree(response.body());
            } catch (RuntimeException notJson) {
                json = JSON.missingNode();
            }
            return new Response(response.statusCode(), response, json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    // ---- journeys used by many tests ----

    /** Registers a fresh user and logs in; returns the login response body. */
    public Session newUser(String name) {
        return newUser(name, name + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test");
    }

    /** Registers a user with this e-mail and logs in. */
    public Session newUser(String name, String email) {
        Response registered = post("/api/auth/register", null, Map.of("email", email, "password", "correct horse battery", "displayName", name));
        if (registered.status() != 201) {
            throw new IllegalStateException("register failed: " + registered);
        }
        return login(email, "correct horse battery");
    }

    public Session login(String email, String password) {
        Response r = post("/api/auth/login", null, Map.of("email", email, "password", password));
        if (r.status() != 200) {
            throw new IllegalStateException("login failed: " + r);
        }
        return Session.of(r.json());
    }

    public String createGroup(String token, String name) {
        Response r = post("/api/groups", token, Map.of("name", name));
        if (r.status() != 201) {
            throw new IllegalStateException("create group failed: " + r);
        }
        return r.text("id");
    }

    /** A logged-in user. */
    public record Session(String accessToken, String refreshToken, String userId, String email) {
        static Session of(JsonNode login) {
            return new Session(login.path("accessToken").asString(), login.path("refreshToken").asString(),
                    login.path("user").path("id").asString(), login.path("user").path("email").asString());
        }
    }
}
