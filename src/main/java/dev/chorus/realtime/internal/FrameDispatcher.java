package dev.chorus.realtime.internal;

import dev.chorus.auth.AccessToken;
import dev.chorus.auth.AccessTokenVerifier;
import dev.chorus.auth.CurrentUser;
import dev.chorus.auth.UserRateLimit;
import dev.chorus.groups.GroupService;
import dev.chorus.groups.Message;
import dev.chorus.groups.MessageService;
import dev.chorus.ops.ApiException;
import dev.chorus.ops.CleanText;
import dev.chorus.ops.DependencyFailure;
import dev.chorus.ops.Ids;
import dev.chorus.ops.RateLimiter;
import dev.chorus.presence.Presence;
import dev.chorus.system.InstanceInfo;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The client → server frames of SPEC §4. Every malformed, unknown or unauthorised frame is answered with an
 * {@code error} frame and the connection stays open.
 */
@Component
class FrameDispatcher {

    private static final Logger log = LoggerFactory.getLogger(FrameDispatcher.class);
    private static final int MAX_CONTENT = 4000;
    private static final int MAX_CLIENT_ID = 100;

    private final GroupFeeds feeds;
    private final GroupService groups;
    private final MessageService messages;
    private final Presence presence;
    private final AccessTokenVerifier tokens;
    private final UserRateLimit rateLimit;
    private final SocketQuota quota;
    private final SubscriptionReads reads;
    private final int maxSubscriptions;
    private final String instanceId;

    FrameDispatcher(GroupFeeds feeds, GroupService groups, MessageService messages, Presence presence,
            AccessTokenVerifier tokens, UserRateLimit rateLimit, SocketQuota quota, SubscriptionReads reads, InstanceInfo instance,
            @Value("${chorus.realtime.max-subscriptions:500}") int maxSubscriptions) {
        this.instanceId = instance.instanceId();
        this.reads = reads;
        this.quota = quota;
        this.maxSubscriptions = maxSubscriptions;
        this.feeds = feeds;
        this.groups = groups;
        this.messages = messages;
        this.presence = presence;
        this.tokens = tokens;
        this.rateLimit = rateLimit;
    }

    void dispatch(ClientConnection connection, String payload) {
        JsonNode frame;
        try {
            frame = Frames.JSON.readTree(payload);
        } catch (JacksonException e) {
            connection.send(Frames.error("malformed_frame", "frames are JSON objects with a type"));
            return;
        }
        if (frame == null || !frame.isObject() || !frame.path("type").isString()) {
            connection.send(Frames.error("malformed_frame", "frames are JSON objects with a string type"));
            return;
        }
        String type = frame.path("type").asString();
        try {
            switch (type) {
                case "ping" -> connection.send(Frames.pong());
                case "auth" -> auth(connection, frame);
                case "subscribe", "unsubscribe", "send" -> {
                    if (!connection.isAuthenticated()) {
                        connection.send(Frames.error("unauthorized", "authenticate first"));
                        return;
                    }
                    RateLimiter.Decision decision = rateLimit.acquire(connection.user().id().toString());
                    if (!decision.allowed()) {
                        connection.send(Frames.error("rate_limited", "too many requests; retry in " + decision.retryAfterSeconds() + " s"));
                        return;
                    }
                    switch (type) {
                        case "subscribe" -> subscribe(connection, frame);
                        case "unsubscribe" -> unsubscribe(connection, frame);
                        default -> send(connection, frame);
                    }
                }
                default -> connection.send(Frames.error("unknown_type", "unknown frame type"));
            }
        } catch (ApiException e) {
            connection.send(Frames.error(e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            if (DependencyFailure.isCauseOf(e)) {
                log.warn("frame {} failed: a dependency is unavailable: {}", type, e.toString());
                connection.send(Frames.error("unavailable", "a service this frame needs is unavailable; retry shortly"));
                return;
            }
            log.error("frame {} failed", type, e);
            connection.send(Frames.error("internal_error", "something went wrong on our side"));
        }
    }

    /**
     * The first auth frame authenticates the socket (a bad token closes it with 1008). On an authenticated socket
     * an auth frame replaces its token before the old one expires (SPEC §4): same user only; a bad or foreign token
     * gets an error frame and the socket keeps the authority it had.
     */
    private void auth(ClientConnection connection, JsonNode frame) {
        Optional<AccessToken> checked = tokens.check(frame.path("token").isString() ? frame.path("token").asString() : null);
        AccessToken current = connection.token();
        if (current == null && checked.isEmpty()) {
            connection.send(Frames.error("unauthorized", "the access token is invalid or expired"));
            connection.close(CloseStatus.POLICY_VIOLATION.withReason("unauthorized"));
            return;
        }
        if (checked.isEmpty()) {
            connection.send(Frames.error("unauthorized", "the access token is invalid or expired; the socket keeps its current one"));
            return;
        }
        if (current != null && !current.user().id().equals(checked.get().user().id())) {
            connection.send(Frames.error("forbidden", "a socket's token can only be replaced by one of the same user"));
            return;
        }
        if (current == null) {
            String socket = UUID.randomUUID().toString();
            if (!quota.take(checked.get().user().id(), socket)) {
                connection.send(Frames.error("too_many_sockets", "you hold the most sockets one user may; close one first"));
                connection.close(CloseStatus.POLICY_VIOLATION.withReason("too many sockets"));
                return;
            }
            connection.slot(quota.member(socket));
        }
        connection.authenticate(checked.get());
        connection.send(Frames.authenticated(checked.get().expiresAt(), instanceId));
    }

    private void subscribe(ClientConnection connection, JsonNode frame) {
        UUID groupId = groupId(frame);
        Long afterSeq = null;
        if (frame.has("afterSeq") && !frame.get("afterSeq").isNull()) {
            JsonNode after = frame.get("afterSeq");
            if (!after.isIntegralNumber() || !after.canConvertToLong() || after.asLong() < 0) {
                throw ApiException.badRequest("afterSeq must be a non-negative integer");
            }
            afterSeq = after.asLong();
        }
        UUID userId = connection.user().id();
        if (!connection.groups().contains(groupId) && connection.groups().size() >= maxSubscriptions) {
            connection.send(Frames.error("too_many_subscriptions", "a socket may subscribe to at most " + maxSubscriptions + " groups"));
            return;
        }
        reads.read(() -> groups.requireMember(groupId, userId));
        // Presence first, so that a feed refusing the subscription (GroupFeeds.subscriptionFailed) can undo it.
        if (connection.groups().add(groupId)) {
            try {
                presence.joined(groupId, userId);
            } catch (RuntimeException e) {
                connection.groups().remove(groupId);
                throw e;
            }
        }
        feeds.subscribe(connection, groupId, afterSeq);
    }

    private void unsubscribe(ClientConnection connection, JsonNode frame) {
        UUID groupId = groupId(frame);
        UUID userId = connection.user().id();
        if (connection.groups().remove(groupId)) {
            feeds.unsubscribe(connection, groupId, () -> presence.left(groupId, userId));
        } else {
            groups.requireMember(groupId, userId);
        }
        connection.send(Frames.unsubscribed(groupId, "requested"));
    }

    private void send(ClientConnection connection, JsonNode frame) {
        UUID groupId = groupId(frame);
        JsonNode content = frame.path("content");
        if (!content.isString() || content.asString().isEmpty() || content.asString().length() > MAX_CONTENT) {
            throw ApiException.badRequest("content must be a string of 1 to " + MAX_CONTENT + " characters");
        }
        String problem = CleanText.Validator.problem(content.asString(), false);
        if (problem != null) {
            throw ApiException.badRequest("content " + problem);
        }
        String clientMessageId = null;
        if (frame.has("clientMessageId") && !frame.get("clientMessageId").isNull()) {
            JsonNode id = frame.get("clientMessageId");
            if (!id.isString() || id.asString().isEmpty() || id.asString().length() > MAX_CLIENT_ID
                    || CleanText.Validator.problem(id.asString(), false) != null) {
                throw ApiException.badRequest("clientMessageId must be a string of 1 to " + MAX_CLIENT_ID + " characters");
            }
            clientMessageId = id.asString();
        }
        Message stored = messages.post(connection.user().id(), List.of(groupId), content.asString(), clientMessageId)
                .messages().getFirst();
        connection.send(Frames.ack(clientMessageId, stored));
    }

    private static UUID groupId(JsonNode frame) {
        JsonNode id = frame.path("groupId");
        if (!id.isString()) {
            throw ApiException.badRequest("groupId is required");
        }
        return Ids.parse(id.asString(), "group");
    }
}
