package dev.chorus.realtime.internal;

import dev.chorus.ops.BrowserOrigins;
import dev.chorus.ops.ClientIpResolver;
import dev.chorus.ops.RequestIds;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * Keeps what the upgrade request knew about the client for the socket's whole life: its address (through trusted
 * proxies, {@link ClientIpResolver}), its request id and its {@code Origin}; {@link RealtimeHandler} logs them when
 * the socket opens and closes. Runs before Spring's origin check and logs an upgrade that check refused, with the
 * origin this server believes it has, the usual reason a browser behind a misconfigured balancer cannot connect.
 */
@Component
class SocketHandshakes implements HandshakeInterceptor {

    static final String CLIENT_IP = "chorus.clientIp";
    static final String REQUEST_ID = "chorus.requestId";
    static final String ORIGIN = "chorus.origin";

    private static final Logger log = LoggerFactory.getLogger(SocketHandshakes.class);

    private final ClientIpResolver clientIps;

    SocketHandshakes(ClientIpResolver clientIps) {
        this.clientIps = clientIps;
    }

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> attributes) {
        if (request instanceof ServletServerHttpRequest servlet) {
            HttpServletRequest http = servlet.getServletRequest();
            attributes.put(CLIENT_IP, clientIps.clientIp(http));
            String requestId = RequestIds.of(http);
            if (requestId != null) {
                attributes.put(REQUEST_ID, requestId);
            }
        }
        String origin = request.getHeaders().getOrigin();
        if (origin != null) {
            attributes.put(ORIGIN, origin);
        }
        return true;
    }

    @Override
    public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Exception exception) {
        if (!(request instanceof ServletServerHttpRequest servlet) || !(response instanceof ServletServerHttpResponse servletResponse)) {
            return;
        }
        int status = servletResponse.getServletResponse().getStatus();
        if (status == 403) {
            HttpServletRequest http = servlet.getServletRequest();
            log.atInfo().addKeyValue("clientIp", clientIps.clientIp(http)).addKeyValue("origin", request.getHeaders().getOrigin())
                    .log("websocket upgrade refused (403): origin {} is neither this server's origin {} nor in CORS_ALLOWED_ORIGINS",
                            request.getHeaders().getOrigin(), BrowserOrigins.ownOrigin(http));
        }
    }
}
