package dev.chorus.groups.internal;

import dev.chorus.groups.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The value of a record on the messages topic: one accepted message for one group, as JSON
 * ({@code {"v":1,"id","groupId","senderId","content","clientMessageId","createdAt"}}); the record's key is the group id.
 * Version 1 is the only one; a reader refuses anything it does not understand rather than guess.
 */
public final class LoggedMessage {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int VERSION = 1;

    private LoggedMessage() {
    }

    /** The record value for a message not yet stored (its seq is ignored). */
    public static byte[] encode(Message message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("v", VERSION);
        body.put("id", message.id().toString());
        body.put("groupId", message.groupId().toString());
        body.put("senderId", message.senderId().toString());
        body.put("content", message.content());
        body.put("clientMessageId", message.clientMessageId());
        body.put("createdAt", message.createdAt().toString());
        return JSON.writeValueAsBytes(body);
    }

    /** The message a record value holds, with seq 0; throws {@link Unreadable} for anything else. */
    public static Message decode(byte[] value) {
        if (value == null) {
            throw new Unreadable("no value");
        }
        try {
            JsonNode node = JSON.readTree(new String(value, StandardCharsets.UTF_8));
            if (node == null || !node.isObject() || node.path("v").asInt(0) != VERSION) {
                throw new Unreadable("not a version " + VERSION + " message");
            }
            String content = text(node, "content");
            JsonNode clientId = node.path("clientMessageId");
            return new Message(UUID.fromString(text(node, "id")), UUID.fromString(text(node, "groupId")), 0,
                    UUID.fromString(text(node, "senderId")), content, clientId.isString() ? clientId.asString() : null,
                    Instant.parse(text(node, "createdAt")));
        } catch (JacksonException | IllegalArgumentException | DateTimeParseException e) {
            throw new Unreadable(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isString() || value.asString().isEmpty()) {
            throw new Unreadable("no " + field);
        }
        return value.asString();
    }

    /** A record value that is no message of this format; parked, never retried. */
    public static final class Unreadable extends RuntimeException {
        Unreadable(String reason) {
            super(reason);
        }
    }
}
