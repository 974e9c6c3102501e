package dev.chorus.auth.internal;

import dev.chorus.auth.UserRateLimit;
import dev.chorus.ops.RateLimitResponses;
import dev.chorus.ops.RateLimiter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Applies {@link UserRateLimit} inside the security chain, right after the bearer token is checked. Not a bean, so
 * that Spring Boot does not also register it as a servlet filter.
 */
class UserRateLimitFilter extends OncePerRequestFilter {

    private final UserRateLimit limit;

    UserRateLimitFilter(UserRateLimit limit) {
        this.limit = limit;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth instanceof JwtAuthenticationToken jwt) {
            RateLimiter.Decision decision = limit.acquire(jwt.getToken().getSubject());
            if (!decision.allowed()) {
                RateLimitResponses.tooManyRequests(response, decision, "too many requests for this user");
                return;
            }
        }
        chain.doFilter(request, response);
    }
}
