package dev.chorus.realtime.internal;

import dev.chorus.auth.AccessToken;
import dev.chorus.auth.AccessTokenVerifier;
import dev.chorus.ops.ReadinessCheck;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Decides, before a WebSocket upgrade, whether this instance takes the socket: past WS_MAX_CONNECTIONS open
 * sockets it answers 503 (and readiness reports {@code connections-full}, so balancers send new clients elsewhere)
 * while the sockets already open and the HTTP API keep working; a valid {@code ?access_token=} whose user already
 * holds WS_MAX_SOCKETS_PER_USER sockets in the cluster gets 429. A socket that authenticates later, with an
 * {@code auth} frame, is held to the per-user limit then (FrameDispatcher).
 */
@Component
class UpgradeGate implements HandshakeInterceptor, ReadinessCheck {

    static final String TOKEN = "chorus.token";
    static final String SOCKET = "chorus.socket";
    private static final String SLOT = UpgradeGate.class.getName() + ".slot";

    private final Connections connections;
    private final AccessTokenVerifier tokens;
    private final SocketQuota quota;
    private final int maxConnections;

    UpgradeGate(Connections connections, AccessTokenVerifier tokens, SocketQuota quota,
            @Value("${chorus.realtime.max-connections:20000}") int maxConnections) {
        this.connections = connections;
        this.tokens = tokens;
        this.quota = quota;
        this.maxConnections = maxConnections;
    }

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> attributes) {
        if (full()) {
            return refuse(response, HttpStatus.SERVICE_UNAVAILABLE, "connections_full",
                    "this instance holds all the sockets it may; retry (the balancer sends you elsewhere)");
        }
        String token = UriComponentsBuilder.fromUri(request.getURI()).build().getQueryParams().getFirst("access_token");
        Optional<AccessToken> checked = token == null ? Optional.empty() : tokens.check(token);
        if (checked.isPresent()) {
            String socket = UUID.randomUUID().toString();
            if (!quota.take(checked.get().user().id(), socket)) {
                return refuse(response, HttpStatus.TOO_MANY_REQUESTS, "too_many_sockets",
                        "you hold the most sockets one user may; close one first");
            }
            attributes.put(TOKEN, checked.get());
            attributes.put(SOCKET, socket);
            if (request instanceof ServletServerHttpRequest servlet) {
                servlet.getServletRequest().setAttribute(SLOT, new Slot(checked.get().user().id(), quota.member(socket)));
            }
        }
        return true;
    }

    /** A check after this one (the origin check) may still refuse the upgrade: then the slot goes back. */
    @Override
    public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Exception exception) {
        if (request instanceof ServletServerHttpRequest servlet && response instanceof ServletServerHttpResponse answer
                && servlet.getServletRequest().getAttribute(SLOT) instanceof Slot slot
                && (exception != null || answer.getServletResponse().getStatus() != HttpStatus.SWITCHING_PROTOCOLS.value())) {
            quota.give(slot.userId(), slot.member());
        }
    }

    private record Slot(UUID userId, String member) {
    }

    @Override
    public Optional<String> problem() {
        return full() ? Optional.of("connections-full") : Optional.empty();
    }

    private boolean full() {
        return connections.count() >= maxConnections;
    }

    static boolean refuse(ServerHttpResponse response, HttpStatus status, String code, String message) {
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
            response.getHeaders().set("Retry-After", "5");
        }
        String requestId = MDC.get("requestId");
        String body = Frames.JSON.writeValueAsString(Map.of("error", code, "message", message,
                "requestId", requestId == null ? "" : requestId));
        try {
            response.getBody().write(body.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            // the client went away; the status is what matters
        }
        return false;
    }
}
