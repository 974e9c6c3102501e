package dev.chorus.auth.web;

import dev.chorus.auth.internal.User;
import java.util.List;

/** The SPEC's {@code user}: {@code {id, email, displayName, roles}}. */
record UserView(String id, String email, String displayName, List<String> roles) {

    static UserView of(User user, List<String> roles) {
        return new UserView(user.id().toString(), user.email(), user.displayName(), roles);
    }
}
