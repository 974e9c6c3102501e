package testbuild;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * TEST ONLY: what makes a build "deliberately broken" for the deploy tests (dev.chorus.deploy.TestBuilds). It is
 * active only in a test jar whose {@code META-INF/spring/...AutoConfiguration.imports} names it; it lives outside
 * {@code dev.chorus} so that no component scan ever finds it, and nothing of the server refers to it. Its setting
 * {@code chorus-test.broken} (in the test jar's {@code config/application.properties}) picks the fault:
 * {@code never-ready} answers 503 on {@code /health/ready}; {@code answers-500} answers 500 to every
 * {@code POST /api/messages} (the rest works, so the build passes a health gate and only its traffic shows it).
 */
@AutoConfiguration
public class BrokenBuild {

    @Bean
    OncePerRequestFilter brokenBuildFilter(Environment environment) {
        return new Fault(environment.getProperty("chorus-test.broken", ""));
    }

    static final class Fault extends OncePerRequestFilter implements Ordered {

        private final String mode;

        Fault(String mode) {
            this.mode = mode;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String path = request.getRequestURI();
            if (mode.equals("never-ready") && path.equals("/health/ready")) {
                answer(response, 503, "{\"ready\":false,\"reasons\":[\"broken-build\"]}");
            } else if (mode.equals("answers-500") && request.getMethod().equals("POST") && path.equals("/api/messages")) {
                answer(response, 500, "{\"error\":\"internal\",\"message\":\"a deliberately broken test build\"}");
            } else {
                chain.doFilter(request, response);
            }
        }

        private static void answer(HttpServletResponse response, int status, String json) throws IOException {
            response.setStatus(status);
            response.setContentType("application/json");
            response.getWriter().write(json);
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
