package dev.chorus.groups.web;

import dev.chorus.auth.CurrentUser;
import dev.chorus.groups.GroupService;
import dev.chorus.groups.Message;
import dev.chorus.groups.MessageService;
import dev.chorus.groups.internal.MessageStore;
import dev.chorus.ops.Ids;
import jakarta.validation.Valid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** SPEC §3 Messages: post to one or several groups, and read a group's history by seq. */
@RestController
class MessageController {

    private final MessageService messages;
    private final GroupService groups;

    MessageController(MessageService messages, GroupService groups) {
        this.messages = messages;
        this.groups = groups;
    }

    /**
     * 201 with the stored messages (direct pipeline), or 202 with the accepted ones (Kafka pipeline: seq is null until
     * a consumer stores them); a retry with the same clientMessageId answers the originals with the same status.
     */
    @PostMapping("/api/messages")
    ResponseEntity<Map<String, List<MessageView>>> post(CurrentUser caller, @Valid @RequestBody GroupRequests.PostMessage body) {
        List<UUID> targets = body.targetIds().stream().map(id -> Ids.parse(id, "group")).toList();
        MessageService.Posted posted = messages.post(caller.id(), targets, body.content(), body.clientMessageId());
        return ResponseEntity.status(posted.queued() ? HttpStatus.ACCEPTED : HttpStatus.CREATED).body(Map.of("messages", posted.messages().stream().map(MessageView::of).toList()));
    }

    @GetMapping("/api/groups/{groupId}/messages")
    Map<String, Object> history(CurrentUser caller, @PathVariable String groupId,
            @RequestParam(required = false) Long afterSeq, @RequestParam(required = false) Long beforeSeq,
            @RequestParam(required = false) Integer limit) {
        UUID id = Ids.parse(groupId, "group");
        groups.requireMember(id, caller.id());
        MessageStore.Page page = messages.history(id, afterSeq, beforeSeq, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", page.messages().stream().map(MessageView::of).toList());
        body.put("hasMore", page.hasMore());
        return body;
    }

    /** The SPEC's {@code message}; seq null while an accepted message is not stored yet (Kafka pipeline). */
    record MessageView(String id, String groupId, Long seq, String senderId, String content, String clientMessageId,
            String createdAt) {
        static MessageView of(Message m) {
            return new MessageView(m.id().toString(), m.groupId().toString(), m.seq() == 0 ? null : m.seq(), m.senderId().toString(),
                    m.content(), m.clientMessageId(), m.createdAt().toString());
        }
    }
}
