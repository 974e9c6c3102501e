package dev.chorus.realtime.internal;

import dev.chorus.auth.AccessToken;
import dev.chorus.auth.AccessTokenVerifier;
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
 * Decides, during a WebSocket upgrade that {@link UpgradeAdmission} let in (this instance has room, is not draining
 * and is not admitting too many at once), whether this user may hold one more socket: a valid
 * {@code ?access_token=} whose user already holds WS_MAX_SOCKETS_PER_USER sockets in the cluster gets 429. A socket
 * that authenticates later, with an {@code auth} frame, is held to the per-user limit then (FrameDispatcher). Hands
 * the upgrade's {@link PendingUpgrades.Permit} on to the socket's attributes, for the socket to give back once it
 * authenticated or closed.
 */
@Component
class UpgradeGate implements HandshakeInterceptor {

    static final String TOKEN = "chorus.token";
    static final String SOCKET = "chorus.socket";
    private static final String SLOT = UpgradeGate.class.getName() + ".slot";

    private final AccessTokenVerifier tokens;
    private final SocketQuota quota;

    UpgradeGate(AccessTokenVerifier tokens, SocketQuota quota) {
        this.tokens = tokens;
        this.quota = quota;
    }

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> attributes) {
        if (request instanceof ServletServerHttpRequest servlet
                && servlet.getServletRequest().getAttribute(PendingUpgrades.PERMIT) instanceof PendingUpgrades.Permit permit) {
            attributes.put(PendingUpgrades.PERMIT, permit);
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
        if (status == HttpStatus.TOO_MANY_REQUESTS) {
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
