package dev.chorus.ops;

import dev.chorus.system.InstanceInfo;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs first on every request: adopts the caller's X-Request-ID when it is sane (else makes one), puts it in the
 * logging context and sets X-Request-ID and X-Instance-ID on the response before anything can fail.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestIdFilter extends OncePerRequestFilter {

    static final String MDC_KEY = RequestIds.MDC_KEY;
    static final String HEADER = "X-Request-ID";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");

    private final InstanceInfo instance;

    RequestIdFilter(InstanceInfo instance) {
        this.instance = instance;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String requestId = request.getAttribute(MDC_KEY) instanceof String earlier ? earlier : sanitize(request.getHeader(HEADER));
        request.setAttribute(MDC_KEY, requestId);
        response.setHeader(HEADER, requestId);
        response.setHeader("X-Instance-ID", instance.instanceId());
        MDC.put(MDC_KEY, requestId);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }

    static String sanitize(String candidate) {
        return candidate != null && SANE.matcher(candidate).matches() ? candidate : UUID.randomUUID().toString();
    }
}
