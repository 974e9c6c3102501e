package dev.chorus.ops;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Which web pages may talk to this server from a browser: its own origin, as the browser reached it (through the
 * balancer: the Host header and, from a trusted proxy, X-Forwarded-Proto, see {@link ForwardedProtoFilter}), and
 * the origins listed in CORS_ALLOWED_ORIGINS. The HTTP API's CORS rules and the WebSocket handshake both use it.
 */
@Component
public class BrowserOrigins {

    private final List<String> allowed;

    BrowserOrigins(@Value("${chorus.web.cors-allowed-origins:}") String origins) {
        this.allowed = Arrays.stream(origins.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The origins of CORS_ALLOWED_ORIGINS (this server's own origin is always allowed besides). */
    public List<String> allowed() {
        return allowed;
    }

    /** This server's origin as the client of this request sees it, e.g. {@code https://chat.example.com}. */
    public static String ownOrigin(HttpServletRequest request) {
        String scheme = request.getScheme();
        int port = request.getServerPort();
        boolean defaultPort = (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + request.getServerName() + (defaultPort ? "" : ":" + port);
    }
}
