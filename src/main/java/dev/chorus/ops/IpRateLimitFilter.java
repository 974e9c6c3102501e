package dev.chorus.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/** RATE_LIMIT_PER_IP: requests per minute per client address, before authentication. Probes are never limited. */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class IpRateLimitFilter extends OncePerRequestFilter {

    private final RateLimiter limiter;
    private final ClientIpResolver clientIp;
    private final int perMinute;

    IpRateLimitFilter(RateLimiter limiter, ClientIpResolver clientIp, @Value("${chorus.rate-limit.per-ip:1200}") int perMinute) {
        this.limiter = limiter;
        this.clientIp = clientIp;
        this.perMinute = perMinute;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return perMinute <= 0 || path.startsWith("/health") || path.equals("/metrics");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        RateLimiter.Decision decision = limiter.tryAcquire("ip", clientIp.clientIp(request), perMinute, Duration.ofMinutes(1));
        if (!decision.allowed()) {
            RateLimitResponses.tooManyRequests(response, decision, "too many requests from this address");
            return;
        }
        chain.doFilter(request, response);
    }
}
