package dev.chorus.realtime.internal;

import dev.chorus.realtime.RealtimeProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * Registers {@code /ws}. Any origin may connect: sockets authenticate with a bearer token, never a cookie, so a
 * foreign page gains nothing from opening one.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class WebSocketConfiguration implements WebSocketConfigurer {

    private final RealtimeHandler handler;
    private final UpgradeGate gate;

    WebSocketConfiguration(RealtimeHandler handler, UpgradeGate gate) {
        this.handler = handler;
        this.gate = gate;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(handler, "/ws").addInterceptors(gate).setAllowedOriginPatterns("*");
    }

    @Bean
    ServletServerContainerFactoryBean webSocketContainer(RealtimeProperties properties) {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        // The container allocates these per socket, up front: small parts are enough, since RealtimeHandler takes
        // partial messages and joins them (a 64 KiB buffer here cost ~200 KB of heap per idle socket).
        container.setMaxTextMessageBufferSize(properties.receiveBufferChars());
        container.setMaxBinaryMessageBufferSize(properties.receiveBufferChars());
        container.setMaxSessionIdleTimeout(0L);
        return container;
    }
}
