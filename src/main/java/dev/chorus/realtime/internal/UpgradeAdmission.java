package dev.chorus.realtime.internal;

import dev.chorus.ops.DrainState;
import dev.chorus.ops.RequestIds;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The first word on a WebSocket upgrade, before the security chain, the per-IP rate limit (a Redis round trip) or a
 * token check: an instance that cannot take the socket says so with 503 at once, while that is cheap, and closes the
 * connection. It refuses while it drains ({@code unavailable}), while its open sockets and those it is admitting
 * fill its ceiling ({@code connections_full}, {@link SocketCapacity}), and while WS_MAX_PENDING_UPGRADES sockets
 * are being admitted ({@code busy}, {@link PendingUpgrades}). Every refusal carries a Retry-After of a few seconds,
 * drawn at random so that clients that follow it do not come back together. Our nginx config passes the 503 to the
 * client (passing it on would count as the instance failing, see deploy/nginx), HAProxy tries another instance
 * first ({@code retry-on 503}; its health comes from readiness checks alone).
 *
 * <p>An admitted upgrade holds its {@link PendingUpgrades.Permit} until its socket authenticates or closes
 * (RealtimeHandler, ClientConnection); one that was not upgraded (refused by a later check) gives it back here.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 6)
class UpgradeAdmission extends OncePerRequestFilter {

    /** Retry-After on a refusal: between these, in seconds. */
    static final int RETRY_AFTER_MIN = 1;
    static final int RETRY_AFTER_MAX = 5;

    private final DrainState drain;
    private final SocketCapacity capacity;
    private final PendingUpgrades pending;

    UpgradeAdmission(DrainState drain, SocketCapacity capacity, PendingUpgrades pending) {
        this.drain = drain;
        this.capacity = capacity;
        this.pending = pending;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // The servlet path is decoded and normalised, as the handler mapping sees it: /%77s cannot slip past.
        return !"websocket".equalsIgnoreCase(request.getHeader("Upgrade")) || !request.getServletPath().startsWith("/ws");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (drain.isDraining()) {
            refuse(request, response, "unavailable", "this instance is shutting down; retry (the balancer sends you elsewhere)");
            return;
        }
        Optional<String> full = capacity.problemWith(pending.upgrading());
        if (full.isPresent()) {
            refuse(request, response, "connections_full",
                    "this instance holds all the sockets it may (" + full.get() + "); retry (the balancer sends you elsewhere)");
            return;
        }
        Optional<PendingUpgrades.Permit> permit = pending.tryEnter();
        if (permit.isEmpty()) {
            refuse(request, response, "busy", "this instance is admitting as many sockets as it may at once; retry in a few seconds");
            return;
        }
        request.setAttribute(PendingUpgrades.PERMIT, permit.get());
        boolean upgraded = false;
        try {
            chain.doFilter(request, response);
            upgraded = response.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
        } finally {
            if (!upgraded) {
                permit.get().release();
            }
        }
    }

    /** 503 in the error shape, with a jittered Retry-After, and the connection closed: the client comes back anew. */
    static void refuse(HttpServletRequest request, HttpServletResponse response, String code, String message) throws IOException {
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader("Retry-After", Integer.toString(ThreadLocalRandom.current().nextInt(RETRY_AFTER_MIN, RETRY_AFTER_MAX + 1)));
        response.setHeader("Connection", "close");
        response.setContentType("application/json");
        String requestId = RequestIds.of(request);
        byte[] body = Frames.JSON.writeValueAsString(Map.of("error", code, "message", message,
                "requestId", requestId == null ? "" : requestId)).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
