package dev.chorus.auth.internal;

import dev.chorus.auth.UserRateLimit;
import dev.chorus.ops.ApiError;
import dev.chorus.ops.BrowserOrigins;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;

/** Stateless bearer-token security: what is public, what needs a user, what needs an admin. */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain api(HttpSecurity http, UserRateLimit userRateLimit) throws Exception {
        AuthenticationEntryPoint unauthorized = (request, response, e) -> {
            response.setHeader("WWW-Authenticate", "Bearer");
            ApiError.write(response, 401, "unauthorized", "a valid access token is required");
        };
        AccessDeniedHandler forbidden = (request, response, e) ->
                ApiError.write(response, 403, "forbidden", "you may not do this");
        http.csrf(csrf -> csrf.disable())
                .cors(Customizer.withDefaults())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .securityContext(context -> context.requireExplicitSave(true))
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(HttpMethod.POST, "/api/auth/register", "/api/auth/login", "/api/auth/refresh").permitAll()
                        .requestMatchers("/health", "/health/**", "/metrics", "/error", "/", "/index.html", "/app/**", "/favicon.ico").permitAll()
                        .requestMatchers("/ws", "/ws/**").permitAll()
                        .requestMatchers("/admin/**").hasRole("ADMIN")
                        .anyRequest().authenticated())
                .oauth2ResourceServer(rs -> rs
                        .jwt(jwt -> jwt.jwtAuthenticationConverter(rolesFromClaim()))
                        .authenticationEntryPoint(unauthorized)
                        .accessDeniedHandler(forbidden))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden))
                .addFilterAfter(new UserRateLimitFilter(userRateLimit), BearerTokenAuthenticationFilter.class);
        return http.build();
    }

    /**
     * No observations of Spring Security's own: it would otherwise wrap each filter of the chain, the authentication
     * and the authorization of every request in an observation (a timer or a span each, several objects apiece), for
     * tracing nobody configured and {@code spring_security_*} metrics nothing reads. Under {@code bin/chorus bench http}
     * (read profile) 17 % of an instance's CPU samples were in observation code itself, most of it these. Requests are still timed as {@code http.server.requests}, which
     * the alerts and the dashboard use.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * CORS for the HTTP API: pages of CORS_ALLOWED_ORIGINS may call it with credentials; same-origin requests are not
     * CORS requests at all. {@code /ws} is left to the WebSocket handshake's own origin check (realtime), which allows
     * the same origins and says in the log why it refused one.
     */
    @Bean
    CorsConfigurationSource corsConfigurationSource(BrowserOrigins origins) {
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowedOrigins(origins.allowed());
        config.setAllowedMethods(List.of("GET", "POST", "DELETE", "OPTIONS"));
        config.setAllowedHeaders(List.of("Authorization", "Content-Type", "X-Request-ID"));
        config.setExposedHeaders(List.of("X-Request-ID", "X-Instance-ID", "Retry-After"));
        config.setAllowCredentials(true);
        return request -> isWebSocketUpgradePath(request.getRequestURI()) ? null : config;
    }

    private static boolean isWebSocketUpgradePath(String path) {
        return path.equals("/ws") || path.startsWith("/ws/");
    }

    private static JwtAuthenticationConverter rolesFromClaim() {
        JwtGrantedAuthoritiesConverter authorities = new JwtGrantedAuthoritiesConverter();
        authorities.setAuthoritiesClaimName(AccessTokens.ROLES_CLAIM);
        authorities.setAuthorityPrefix("ROLE_");
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(authorities);
        return converter;
    }
}
