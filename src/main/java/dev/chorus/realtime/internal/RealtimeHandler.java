package dev.chorus.realtime.internal;

import dev.chorus.auth.AccessTokenVerifier;
import dev.chorus.auth.AccessToken;
import dev.chorus.ops.RequestIds;
import dev.chorus.presence.Presence;
import dev.chorus.realtime.RealtimeProperties;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PongMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The {@code /ws} endpoint: opens a {@link ClientConnection} per socket, authenticates it from
 * {@code ?access_token=} or an {@code auth} frame within the auth timeout, hands every frame to
 * {@link FrameDispatcher}, and cleans subscriptions and presence up when the socket closes.
 *
 * <p>Each socket gets a log line when it opens and one when it closes, carrying the upgrade request's id (also the
 * request id of the log lines written while its frames are handled) and the client's address, as
 * {@link SocketHandshakes} kept them: what an operator needs to follow one person's connection across the balancer's
 * and the instance's logs.
 */
@Component
class RealtimeHandler extends TextWebSocketHandler implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RealtimeHandler.class);
    private static final String OPENED_AT = "chorus.openedAt";

    private final Connections connections;
    private final FrameDispatcher dispatcher;
    private final GroupFeeds feeds;
    private final Presence presence;
    private final AccessTokenVerifier tokens;
    private final RealtimeProperties properties;
    private final SocketQuota quota;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());

    RealtimeHandler(Connections connections, FrameDispatcher dispatcher, GroupFeeds feeds, Presence presence,
            AccessTokenVerifier tokens, RealtimeProperties properties, SocketQuota quota) {
        this.quota = quota;
        this.connections = connections;
        this.dispatcher = dispatcher;
        this.feeds = feeds;
        this.presence = presence;
        this.tokens = tokens;
        this.properties = properties;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) {
        ClientConnection connection = new ClientConnection(session, properties.sendBufferBytes(), properties.writeTimeout(),
                connections);
        if (session.getAttributes().remove(PendingUpgrades.PERMIT) instanceof PendingUpgrades.Permit permit) {
            connection.admitting(permit);
        }
        connections.add(connection);
        session.getAttributes().put(OPENED_AT, System.nanoTime());
        if (session.getAttributes().get(UpgradeGate.TOKEN) instanceof AccessToken checked) {
            // Verified, and its quota slot taken, by UpgradeGate before the upgrade.
            connection.slot(quota.member((String) session.getAttributes().get(UpgradeGate.SOCKET)));
            connection.authenticate(checked);
            logOpened(session, connection);
            return;
        }
        String token = session.getUri() == null ? null
                : UriComponentsBuilder.fromUri(session.getUri()).build().getQueryParams().getFirst("access_token");
        if (token != null) {
            logOpened(session, connection);
            refuse(connection, "the access token is invalid or expired");
            return;
        }
        logOpened(session, connection);
        timers.schedule(() -> authTimeout(connection, true), properties.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A socket not authenticated within the auth timeout is refused. One that has sent a frame meanwhile gets the
     * timeout once more: its auth frame is likely being handled on a busy instance (a reconnect storm), and refusing
     * it as unauthorized would send its client for a new token it does not need; a second timeout ends it anyway.
     */
    private void authTimeout(ClientConnection connection, boolean first) {
        if (connection.isAuthenticated() || !connection.isOpen()) {
            return;
        }
        if (first && connection.heardAny()) {
            timers.schedule(() -> authTimeout(connection, false), properties.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        refuse(connection, "authenticate within " + properties.authTimeout().toSeconds() + " s");
    }

    /**
     * Messages arrive in parts of at most the container's small buffer (see WebSocketConfiguration), so an idle
     * socket holds a few KiB instead of buffers sized for the largest frame; the parts are joined here, and a
     * message over the limit (counted in UTF-8 bytes, the unit SPEC §4 uses) closes the socket with 1009.
     */
    @Override
    public boolean supportsPartialMessages() {
        return true;
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        ClientConnection connection = connections.get(session.getId());
        if (connection == null) {
            return;
        }
        connection.heard();
        String whole = connection.inbound().add(message.getPayload(), message.isLast());
        if (connection.inbound().over(properties.maxFrameBytes())) {
            connection.closeNow(CloseStatus.TOO_BIG_TO_PROCESS.withReason("frame over " + properties.maxFrameBytes() + " bytes"));
            return;
        }
        if (whole != null) {
            RequestIds.inContext(requestId(session), () -> dispatcher.dispatch(connection, whole));
        }
    }

    @Override
    protected void handleBinaryMessage(WebSocketSession session, BinaryMessage message) {
        ClientConnection connection = connections.get(session.getId());
        if (connection != null && message.isLast()) {
            connection.heard();
            connection.send(Frames.error("unsupported_frame", "frames are JSON text; binary frames are not understood"));
        }
    }

    @Override
    protected void handlePongMessage(WebSocketSession session, PongMessage message) {
        ClientConnection connection = connections.get(session.getId());
        if (connection != null) {
            connection.heard();
        }
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        ClientConnection connection = connections.remove(session.getId());
        if (connection == null) {
            return;
        }
        logClosed(session, connection, status);
        connection.admitted();
        connection.closeNow(status);
        if (connection.slot() != null) {
            quota.give(connection.user().id(), connection.slot());
        }
        for (var groupId : connection.groups()) {
            feeds.unsubscribe(connection, groupId, () -> presence.left(groupId, connection.user().id()));
        }
        connection.groups().clear();
    }

    @Override
    public void handleTransportError(WebSocketSession session, Throwable exception) {
        ClientConnection connection = connections.get(session.getId());
        if (connection != null) {
            connection.close(CloseStatus.SERVER_ERROR);
        }
    }

    private static void logOpened(WebSocketSession session, ClientConnection connection) {
        RequestIds.inContext(requestId(session), () -> log.atInfo()
                .addKeyValue("socketId", session.getId())
                .addKeyValue("clientIp", session.getAttributes().get(SocketHandshakes.CLIENT_IP))
                .addKeyValue("origin", session.getAttributes().get(SocketHandshakes.ORIGIN))
                .addKeyValue("userId", connection.isAuthenticated() ? connection.user().id().toString() : null)
                .log("websocket opened"));
    }

    private static void logClosed(WebSocketSession session, ClientConnection connection, CloseStatus status) {
        long openedAt = session.getAttributes().get(OPENED_AT) instanceof Long t ? t : System.nanoTime();
        RequestIds.inContext(requestId(session), () -> log.atInfo()
                .addKeyValue("socketId", session.getId())
                .addKeyValue("clientIp", session.getAttributes().get(SocketHandshakes.CLIENT_IP))
                .addKeyValue("userId", connection.isAuthenticated() ? connection.user().id().toString() : null)
                .addKeyValue("closeCode", status.getCode())
                .addKeyValue("durationMs", (System.nanoTime() - openedAt) / 1_000_000)
                .log("websocket closed ({})", status.getCode()));
    }

    private static String requestId(WebSocketSession session) {
        return session.getAttributes().get(SocketHandshakes.REQUEST_ID) instanceof String id ? id : null;
    }

    private static void refuse(ClientConnection connection, String why) {
        connection.send(Frames.error("unauthorized", why));
        connection.close(CloseStatus.POLICY_VIOLATION.withReason("unauthorized"));
    }

    @Override
    public void destroy() {
        timers.shutdownNow();
    }
}
