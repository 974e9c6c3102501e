package dev.chorus.realtime.internal;

import java.time.Instant;
import java.util.UUID;

/** A stored message on its way to sockets: what a feed needs to order it, and its frame, serialised once. */
record Delivery(UUID groupId, long seq, Instant createdAt, String frame) {

    Outbound outbound() {
        return Outbound.live(frame, createdAt);
    }
}
