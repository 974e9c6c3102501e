package dev.chorus.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives the request the scheme the client used at the balancer, so that this server's own origin, which CORS and the
 * WebSocket origin check compare a browser's {@code Origin} with, is the one the browser sees (https when TLS ends at
 * the balancer). The scheme comes from {@code X-Forwarded-Proto}, believed only when the request comes straight from
 * a trusted proxy (TRUSTED_PROXIES), like X-Forwarded-For in {@link ClientIpResolver}; host and port come from the
 * {@code Host} header, which every balancer of deploy/ passes on unchanged. {@code X-Forwarded-Host} and
 * {@code Forwarded} are not read at all. (Spring Boot's forward-headers strategies are off: Tomcat's RemoteIpValve
 * and Spring's ForwardedHeaderFilter have trust rules of their own, the latter none.)
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class ForwardedProtoFilter extends OncePerRequestFilter {

    private final ClientIpResolver clientIps;

    ForwardedProtoFilter(ClientIpResolver clientIps) {
        this.clientIps = clientIps;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String scheme = forwardedScheme(request);
        if (scheme == null || scheme.equals(request.getScheme()) || !clientIps.fromTrustedProxy(request)) {
            chain.doFilter(request, response);
            return;
        }
        chain.doFilter(new ForwardedProtoRequest(request, scheme), response);
    }

    /** The first value of X-Forwarded-Proto when it is http or https; anything else is ignored. */
    private static String forwardedScheme(HttpServletRequest request) {
        String header = request.getHeader("X-Forwarded-Proto");
        if (header == null) {
            return null;
        }
        int comma = header.indexOf(',');
        String first = (comma < 0 ? header : header.substring(0, comma)).trim().toLowerCase(Locale.ROOT);
        return first.equals("http") || first.equals("https") ? first : null;
    }

    /** The request as the client sent it to the balancer: its scheme, and the default port of that scheme unless Host names one. */
    private static final class ForwardedProtoRequest extends HttpServletRequestWrapper {

        private final String scheme;

        ForwardedProtoRequest(HttpServletRequest request, String scheme) {
            super(request);
            this.scheme = scheme;
        }

        @Override
        public String getScheme() {
            return scheme;
        }

        @Override
        public boolean isSecure() {
            return scheme.equals("https");
        }

        @Override
        public int getServerPort() {
            String host = getHeader("Host");
            boolean explicitPort = host != null && host.lastIndexOf(':') > host.lastIndexOf(']');
            return explicitPort ? super.getServerPort() : defaultPort();
        }

        @Override
        public StringBuffer getRequestURL() {
            StringBuffer url = new StringBuffer(scheme).append("://").append(getServerName());
            if (getServerPort() != defaultPort()) {
                url.append(':').append(getServerPort());
            }
            return url.append(getRequestURI());
        }

        private int defaultPort() {
            return isSecure() ? 443 : 80;
        }
    }
}
