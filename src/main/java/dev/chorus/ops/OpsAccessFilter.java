package dev.chorus.ops;

import dev.chorus.system.Cidr;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * OPS_ALLOWED_CIDRS: {@code /metrics} and {@code /health/detailed} tell an attacker what runs where (versions, pool
 * sizes, dependency latencies), so only clients in the allowed ranges may read them; anyone else gets 403
 * {@code forbidden}. The client is the one {@link ClientIpResolver} resolves, so behind a balancer listed in
 * TRUSTED_PROXIES a public caller is refused while Prometheus, on the private network, is not. {@code /health},
 * {@code /health/live} and {@code /health/ready} stay open: balancers and orchestrators probe them.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
class OpsAccessFilter extends OncePerRequestFilter {

    private static final Set<String> RESTRICTED = Set.of("/metrics", "/health/detailed");

    private final List<Cidr> allowed;
    private final ClientIpResolver clientIp;

    OpsAccessFilter(@Value("${chorus.web.ops-allowed-cidrs:127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7}") String allowed, ClientIpResolver clientIp) {
        this.allowed = Cidr.parseList(allowed);
        this.clientIp = clientIp;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !RESTRICTED.contains(normalizedPath(request));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!Cidr.anyContains(allowed, clientIp.clientIp(request))) {
            ApiError.write(response, 403, "forbidden", "this endpoint is open only to the addresses in OPS_ALLOWED_CIDRS");
            return;
        }
        chain.doFilter(request, response);
    }

    /**
     * The path the application will route, as the container decoded and normalised it (no {@code ;parameters}, no
     * dot segments), with repeated and trailing slashes removed, so no spelling of a restricted path slips past.
     */
    static String normalizedPath(HttpServletRequest request) {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (path.isEmpty()) {
            path = request.getRequestURI();
        }
        path = path.replaceAll("/{2,}", "/");
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }
}
