package dev.chorus.realtime.internal;

import dev.chorus.ops.BrowserOrigins;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;
import org.springframework.web.socket.server.support.OriginHandshakeInterceptor;

/**
 * Spring's origin check for {@code /ws} (this server's own origin, or one of CORS_ALLOWED_ORIGINS), answered in the
 * error shape: 403 {@code forbidden} with a JSON body, where Spring's check answers with an empty one, and also for an
 * {@code Origin} that is no URL at all (e.g. {@code http://host:80.evil.example}), on which Spring's check throws and
 * the upgrade became a 500. Spring's own check still runs after this one, with the same origins, and agrees.
 */
@Component
class OriginCheck implements HandshakeInterceptor {

    private final OriginHandshakeInterceptor spring;

    OriginCheck(BrowserOrigins origins) {
        this.spring = new OriginHandshakeInterceptor(origins.allowed());
    }

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> attributes) throws Exception {
        try {
            if (spring.beforeHandshake(request, response, handler, attributes)) {
                return true;
            }
        } catch (IllegalArgumentException notAUrl) {
            // an Origin that cannot be parsed is no allowed origin
        }
        return UpgradeGate.refuse(response, HttpStatus.FORBIDDEN, "forbidden", "pages of this origin may not open a socket here");
    }

    @Override
    public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler, Exception failure) {
    }
}
