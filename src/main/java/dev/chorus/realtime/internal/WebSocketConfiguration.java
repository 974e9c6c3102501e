package dev.chorus.realtime.internal;

import dev.chorus.ops.BrowserOrigins;
import dev.chorus.realtime.RealtimeProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * Registers {@code /ws}. A browser may open a socket from this server's own origin, as it reached it through the
 * balancer, or from an origin of CORS_ALLOWED_ORIGINS ({@link BrowserOrigins}); any other {@code Origin} gets 403.
 * Clients that send no {@code Origin} (apps, bots, tests) are not browsers and may connect. Sockets authenticate
 * with a bearer token, never a cookie, so this is a second line against cross-site WebSocket hijacking.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class WebSocketConfiguration implements WebSocketConfigurer {

    private final RealtimeHandler handler;
    private final SocketHandshakes handshakes;
    private final BrowserOrigins origins;

    WebSocketConfiguration(RealtimeHandler handler, SocketHandshakes handshakes, BrowserOrigins origins) {
        this.handler = handler;
        this.handshakes = handshakes;
        this.origins = origins;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Spring's origin check (same origin, or one of these) runs after the interceptors added here.
        registry.addHandler(handler, "/ws").addInterceptors(handshakes).setAllowedOrigins(origins.allowed().toArray(String[]::new));
    }

    @Bean
    ServletServerContainerFactoryBean webSocketContainer(RealtimeProperties properties) {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(properties.maxFrameBytes());
        container.setMaxBinaryMessageBufferSize(properties.maxFrameBytes());
        container.setMaxSessionIdleTimeout(0L);
        return container;
    }
}
