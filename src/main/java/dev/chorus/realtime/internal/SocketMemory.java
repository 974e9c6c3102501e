package dev.chorus.realtime.internal;

import org.apache.catalina.connector.Connector;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Sizes Tomcat for many idle sockets. Tomcat allocates, per connection and for its whole life, a read and a write
 * buffer (NIO endpoint, {@code socket.appReadBufSize}/{@code appWriteBufSize}, 8 KiB each by default) and, per
 * WebSocket, an input, an output and an encoder buffer ({@code org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE},
 * 8 KiB each): 40 KiB of heap per idle socket before any of ours (measured with {@code bin/chorus bench
 * connections}). Smaller buffers only mean more, smaller reads and writes for large requests and frames, which all
 * still work: incoming messages arrive in parts and are joined ({@link InboundMessage}), an outgoing message longer
 * than the WebSocket buffer is sent as a fragmented message (continuation frames), which every client joins. The connector also takes as many connections as the socket ceiling plus room for HTTP
 * requests, so that the API keeps answering when WS_MAX_CONNECTIONS sockets are open (Tomcat's own default, 8,192,
 * would stall new connections long before the ceiling).
 */
@Component
class SocketMemory implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    static final String WEBSOCKET_BUFFER_PROPERTY = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";
    /** Connections the connector accepts beyond the socket ceiling, for HTTP requests. */
    static final int HTTP_HEADROOM = 2048;

    /**
     * Tomcat's read and write buffer per connection: one read or write of a socket moves at most this much. As large
     * as the WebSocket buffers, which read and write through them, so a frame costs no extra system call; HTTP
     * request bodies and headers are read around it, straight into the request's own (pooled) buffers.
     */
    static final int CONNECTION_BUFFER_BYTES = 1024;
    /** A WebSocket's input, output and encoder buffers: a larger outgoing message goes out as several frames. */
    static final int WEBSOCKET_BUFFER_BYTES = 1024;

    private final int maxSockets;

    SocketMemory(@Value("${chorus.realtime.max-connections:20000}") int maxSockets) {
        this.maxSockets = maxSockets;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        // Read once, when Tomcat's WebSocket classes load: at server start, after this customizer ran. An operator's
        // own -D setting wins.
        if (System.getProperty(WEBSOCKET_BUFFER_PROPERTY) == null) {
            System.setProperty(WEBSOCKET_BUFFER_PROPERTY, Integer.toString(WEBSOCKET_BUFFER_BYTES));
        }
        factory.addConnectorCustomizers(this::size);
    }

    void size(Connector connector) {
        connector.setProperty("socket.appReadBufSize", Integer.toString(CONNECTION_BUFFER_BYTES));
        connector.setProperty("socket.appWriteBufSize", Integer.toString(CONNECTION_BUFFER_BYTES));
        connector.setProperty("maxConnections", Long.toString(maxConnections(maxSockets, SocketCapacity.descriptorLimit())));
    }

    /**
     * The socket ceiling plus room for HTTP, but never more connections than the process has descriptors for, less
     * half of {@link SocketCapacity#RESERVED_DESCRIPTORS} for its files and pools: past its descriptor limit the
     * acceptor only fails ("Socket accept failed", seen in a reconnect storm on a machine limited to 20,000), while
     * at maxConnections it stops accepting and lets connections wait in the listen backlog until some close. The
     * other half lies between this and the socket ceiling, for HTTP requests, health probes and upgrades being
     * admitted or refused ({@link UpgradeAdmission}) while the sockets fill the ceiling.
     */
    static long maxConnections(int maxSockets, long descriptorLimit) {
        return Math.max(1, Math.min((long) maxSockets + HTTP_HEADROOM, descriptorLimit - SocketCapacity.RESERVED_DESCRIPTORS / 2));
    }
}
