package dev.chorus.scheduling.web;

import dev.chorus.auth.CurrentUser;
import dev.chorus.ops.ApiException;
import dev.chorus.ops.CleanText;
import dev.chorus.ops.Ids;
import dev.chorus.scheduling.internal.ScheduleService;
import dev.chorus.scheduling.internal.ScheduledMessage;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** SPEC §3 "Scheduled and recurring messages". */
@RestController
@RequestMapping("/api/scheduled-messages")
class ScheduleController {

    /** Either {@code sendAt} (ISO-8601 with offset) or {@code cron} with an optional {@code timezone} (default UTC). */
    record CreateSchedule(@NotNull @Size(max = 64) String groupId,
            @NotNull @Size(min = 1, max = 4000) @CleanText String content,
            @Size(max = 64) String sendAt,
            @Size(max = 200) @CleanText(name = true) String cron,
            @Size(max = 64) @CleanText(name = true) String timezone) {
    }

    private final ScheduleService schedules;

    ScheduleController(ScheduleService schedules) {
        this.schedules = schedules;
    }

    @PostMapping
    ResponseEntity<Map<String, Object>> create(CurrentUser caller, @Valid @RequestBody CreateSchedule body) {
        boolean oneOff = body.sendAt() != null;
        boolean recurring = body.cron() != null;
        if (oneOff == recurring) {
            throw ApiException.badRequest("give either sendAt, or cron with timezone");
        }
        if (recurring && body.cron().isBlank()) {
            throw ApiException.badRequest("cron must not be blank");
        }
        ScheduledMessage created = schedules.create(caller, Ids.parse(body.groupId(), "group"), body.content(),
                oneOff ? instant(body.sendAt()) : null, body.cron(), body.timezone());
        return ResponseEntity.status(HttpStatus.CREATED).body(view(created));
    }

    @GetMapping
    Map<String, Object> list(CurrentUser caller, @RequestParam(required = false) String groupId) {
        List<ScheduledMessage> found = schedules.list(caller, groupId == null ? null : Ids.parse(groupId, "group"));
        return Map.of("scheduled", found.stream().map(ScheduleController::view).toList());
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(CurrentUser caller, @PathVariable String id) {
        schedules.delete(caller, Ids.parse(id, "scheduled message"));
        return ResponseEntity.noContent().build();
    }

    static Map<String, Object> view(ScheduledMessage s) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", s.id().toString());
        v.put("groupId", s.groupId().toString());
        v.put("content", s.content());
        v.put("sendAt", s.sendAt() == null ? null : s.sendAt().toString());
        v.put("cron", s.cron());
        v.put("timezone", s.timezone());
        v.put("nextRunAt", s.nextRunAt() == null ? null : s.nextRunAt().toString());
        v.put("createdBy", s.createdBy().toString());
        return v;
    }

    private static Instant instant(String raw) {
        try {
            return OffsetDateTime.parse(raw).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("sendAt must be an ISO-8601 date-time with offset, e.g. 2026-12-24T18:00:00Z");
        }
    }
}
