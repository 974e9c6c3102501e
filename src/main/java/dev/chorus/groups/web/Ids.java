package dev.chorus.groups.web;

import dev.chorus.ops.ApiException;
import java.util.UUID;

/** Parses ids from paths and bodies; an id that cannot exist is simply not found. */
final class Ids {

    private Ids() {
    }

    static UUID parse(String raw, String what) {
        try {
            UUID id = UUID.fromString(raw);
            if (id.toString().equalsIgnoreCase(raw)) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw ApiException.notFound(what);
    }
}
