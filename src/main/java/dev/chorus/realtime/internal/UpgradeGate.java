package dev.chorus.realtime.internal;

import dev.chorus.auth.AccessToken;
import dev.chorus.auth.AccessTokenVerifier;
import dev.chorus.ops.DrainState;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.MDC;
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
 * Decides, before a WebSocket upgrade, whether this instance takes the socket: while it has no room for one more
 * ({@link SocketCapacity}: the socket ceiling or the heap; readiness reports why, so balancers send new clients
 * elsewhere) or is draining before shutdown, it answers 503, while the sockets already open and the HTTP API keep
 * working; a balancer passes a 503 upgrade on to another instance. A valid {@code ?access_token=} whose user already
 * holds WS_MAX_SOCKETS_PER_USER sockets in the cluster gets 429. A socket that authenticates later, with an
 * {@code auth} frame, is held to the per-user limit then (FrameDispatcher).
 */
@Component
class UpgradeGate implements HandshakeInterceptor {

    static final String TOKEN = "chorus.token";
    static final String SOCKET = "chorus.socket";
    private static final String SLOT = UpgradeGate.class.getName() + ".slot";

    private final SocketCapacity capacity;
    private final DrainState drain;
    private final AccessTokenVerifier tokens;
    private final SocketQuota quota;

    UpgradeGate(SocketCapacity capacity, DrainState drain, AccessTokenVerifier tokens, SocketQuota quota) {
        this.capacity = capacity;
        this.drain = drain;
        this.tokens = tokens;
        this.quota = quota;
    }

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> attributes) {
        if (drain.isDraining()) {
            return refuse(response, HttpStatus.SERVICE_UNAVAILABLE, "unavailable",
                    "this instance is shutting down; retry (the balancer sends you elsewhere)");
        }
        Optional<String> full = capacity.problem();
        if (full.isPresent()) {
            return refuse(response, HttpStatus.SERVICE_UNAVAILABLE, "connections_full",
                    "this instance holds all the sockets it may (" + full.get() + "); retry (the balancer sends you elsewhere)");
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
