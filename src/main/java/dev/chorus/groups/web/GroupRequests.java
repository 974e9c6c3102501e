package dev.chorus.groups.web;

import dev.chorus.ops.CleanText;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/** Request bodies of the groups and messages endpoints. */
final class GroupRequests {

    private GroupRequests() {
    }

    record CreateGroup(@NotBlank @Size(max = 100) @CleanText(name = true) String name) {
    }

    record AddMember(@NotBlank @Size(max = 254) @CleanText(name = true) String email) {
    }

    record PostMessage(@NotNull @Size(min = 1, max = 4000) @CleanText String content,
            @NotNull @Pattern(regexp = "group", message = "must be \"group\"") String targetType,
            @NotEmpty @Size(max = 50) List<@NotNull @Size(max = 64) String> targetIds,
            @Size(min = 1, max = 100) @CleanText String clientMessageId) {
    }
}
