package dev.chorus.realtime.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.socket.WebSocketExtension;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeFailureException;
import org.springframework.web.socket.server.standard.StandardWebSocketUpgradeStrategy;

/**
 * Spring's standard upgrade, except that the socket does not keep copies of the upgrade request's headers.
 *
 * <p>Both layers keep the handshake's headers for the socket's whole life: Spring's {@code StandardWebSocketSession}
 * (its {@code getHandshakeHeaders()}) and Tomcat's {@code WsHttpUpgradeHandler} (the JSR-356 {@code HandshakeRequest}
 * it built, headers copied into a map of lists). Behind a balancer that adds its forwarding headers, or from a
 * browser with its user agent, languages and cookies, that is several KB per idle socket, a large share of what one
 * costs (issue 17). Chorus reads nothing from them after the handshake: what it needs (client address, request id,
 * origin) {@link SocketHandshakes} has put into the session's attributes, and the handshake's checks (Spring's
 * version, key, origin and protocol checks, {@link UpgradeGate}, {@link OriginCheck}) have read the real request by
 * the time {@code upgrade} runs. So Spring's session is given no headers, and Tomcat is shown only those it reads to
 * make the handshake: connection, upgrade, key, version, protocol, extensions and origin.
 */
final class HeaderlessUpgradeStrategy extends StandardWebSocketUpgradeStrategy {

    @Override
    public void upgrade(ServerHttpRequest request, ServerHttpResponse response, String selectedProtocol,
            List<WebSocketExtension> selectedExtensions, Principal user, WebSocketHandler wsHandler,
            Map<String, Object> attrs) throws HandshakeFailureException {
        ServerHttpRequest lean = request instanceof ServletServerHttpRequest servlet
                ? new WithoutHeaders(new HandshakeHeadersOnly(servlet.getServletRequest())) : request;
        super.upgrade(lean, response, selectedProtocol, selectedExtensions, user, wsHandler, attrs);
    }

    /** The servlet request, showing Spring no headers to keep. */
    private static final class WithoutHeaders extends ServletServerHttpRequest {
        WithoutHeaders(HttpServletRequest request) {
            super(request);
        }

        @Override
        public HttpHeaders getHeaders() {
            return HttpHeaders.EMPTY;
        }
    }

    /** The servlet request, showing Tomcat only the headers of the WebSocket handshake itself. */
    private static final class HandshakeHeadersOnly extends HttpServletRequestWrapper {
        private static final Set<String> KEPT = Set.of("connection", "upgrade", "sec-websocket-key",
                "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions", "origin");

        HandshakeHeadersOnly(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getHeader(String name) {
            return kept(name) ? super.getHeader(name) : null;
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return kept(name) ? super.getHeaders(name) : Collections.emptyEnumeration();
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(Collections.list(super.getHeaderNames()).stream().filter(this::kept).toList());
        }

        @Override
        public int getIntHeader(String name) {
            return kept(name) ? super.getIntHeader(name) : -1;
        }

        @Override
        public long getDateHeader(String name) {
            return kept(name) ? super.getDateHeader(name) : -1;
        }

        private boolean kept(String name) {
            return name != null && KEPT.contains(name.toLowerCase(Locale.ROOT));
        }
    }
}
