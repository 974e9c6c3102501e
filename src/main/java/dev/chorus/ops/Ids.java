package dev.chorus.ops;

import java.util.UUID;

/** Parses ids from paths, bodies and frames: an id that is not a canonical UUID cannot exist, so it is not found. */
public final class Ids {

    private Ids() {
    }

    public static UUID parse(String raw, String what) {
        if (raw != null) {
            try {
                UUID id = UUID.fromString(raw);
                if (id.toString().equalsIgnoreCase(raw)) {
                    return id;
                }
            } catch (IllegalArgumentException e) {
                // not a UUID: not found, like any unknown id
            }
        }
        throw ApiException.notFound(what);
    }
}
