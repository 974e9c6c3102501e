package dev.chorus.realtime.internal;

import dev.chorus.groups.Message;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.json.JsonMapper;

/** The server → client frames of SPEC §4, as JSON text. */
final class Frames {

    /** Reads client frames too: a frame naming a key twice is malformed (see ops.StrictJson for why). */
    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private Frames() {
    }

    static String subscribed(UUID groupId, long lastSeq) {
        return write(Map.of("type", "subscribed", "groupId", groupId.toString(), "lastSeq", lastSeq));
    }

    /** {@code reason}: "requested" (the client asked) or "removed" (the user is no longer a member). */
    static String unsubscribed(UUID groupId, String reason) {
        return write(Map.of("type", "unsubscribed", "groupId", groupId.toString(), "reason", reason));
    }

    /** {@code instanceId}: the instance that holds the socket, so that a client can show which one serves it. */
    static String authenticated(Instant expiresAt, String instanceId) {
        return write(Map.of("type", "authenticated", "expiresAt", expiresAt.toString(), "instanceId", instanceId));
    }

    /** Wraps an already serialised message, so a message is serialised once however many sockets receive it. */
    static String message(String messageJson) {
        return "{\"type\":\"message\",\"message\":" + messageJson + "}";
    }

    static String message(Message message) {
        return message(JSON.writeValueAsString(message));
    }

    static String presence(UUID groupId, UUID userId, boolean online) {
        return write(Map.of("type", "presence", "groupId", groupId.toString(), "userId", userId.toString(),
                "status", online ? "online" : "offline"));
    }

    static String ack(String clientMessageId, Message message) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "ack");
        frame.put("clientMessageId", clientMessageId);
        frame.put("messageId", message.id().toString());
        frame.put("groupId", message.groupId().toString());
        frame.put("seq", message.seq() == 0 ? null : message.seq()); // 0: accepted by the Kafka pipeline, not stored yet
        return write(frame);
    }

    static String error(String code, String text) {
        return write(Map.of("type", "error", "error", code, "message", text));
    }

    static String pong() {
        return "{\"type\":\"pong\"}";
    }

    private static String write(Map<String, Object> frame) {
        return JSON.writeValueAsString(frame);
    }
}
