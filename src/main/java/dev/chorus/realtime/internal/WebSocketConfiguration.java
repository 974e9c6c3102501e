package dev.chorus.realtime.internal;

import dev.chorus.ops.BrowserOrigins;
import dev.chorus.realtime.RealtimeProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;
import org.springframework.web.socket.server.support.DefaultHandshakeHandler;

/**
 * Registers {@code /ws}. A browser may open a socket from this server's own origin, as it reached it through the
 * balancer, or from an origin of CORS_ALLOWED_ORIGINS ({@link BrowserOrigins}); any other {@code Origin} gets 403.
 * Clients that send no {@code Origin} (apps, bots, tests) are not browsers and may connect. Sockets authenticate
 * with a bearer token, never a cookie, so this is a second line against cross-site WebSocket hijacking.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class WebSocketConfiguration implements WebSocketConfigurer {

    private static final int BINARY_BUFFER_BYTES = 256;

    private final RealtimeHandler handler;
    private final SocketHandshakes handshakes;
    private final BrowserOrigins origins;
    private final UpgradeGate gate;
    private final OriginCheck originCheck;

    WebSocketConfiguration(RealtimeHandler handler, SocketHandshakes handshakes, BrowserOrigins origins, UpgradeGate gate,
            OriginCheck originCheck) {
        this.handler = handler;
        this.handshakes = handshakes;
        this.origins = origins;
        this.gate = gate;
        this.originCheck = originCheck;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Spring's origin check (same origin, or one of these) runs after the interceptors added here; OriginCheck,
        // the last of them, makes the same check first so that a refusal is a 403 in the error shape, never a 500.
        // UpgradeGate gives back a quota slot it took when a later check refuses the upgrade.
        // HeaderlessUpgradeStrategy: sessions keep no copy of the upgrade's headers (3 KB a socket).
        registry.addHandler(handler, "/ws").setHandshakeHandler(new DefaultHandshakeHandler(new HeaderlessUpgradeStrategy()))
                .addInterceptors(handshakes, gate, originCheck)
                .setAllowedOrigins(origins.allowed().toArray(String[]::new));
    }

    @Bean
    ServletServerContainerFactoryBean webSocketContainer(RealtimeProperties properties) {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        // The container allocates these per socket, up front: small parts are enough, since RealtimeHandler takes
        // partial messages and joins them (a 64 KiB buffer here cost ~200 KB of heap per idle socket). Binary
        // messages are only answered with an error, so their buffer is smaller still.
        container.setMaxTextMessageBufferSize(properties.receiveBufferChars());
        container.setMaxBinaryMessageBufferSize(BINARY_BUFFER_BYTES);
        container.setMaxSessionIdleTimeout(0L);
        return container;
    }
}
