package dev.chorus.realtime.internal;

import dev.chorus.groups.Message;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The bus payload of one commit's messages: a line per message, {@code groupId seq createdAtMicros frame}. The
 * frame is serialised once by the instance that stored the message; every receiving instance reads three short
 * fields and hands the frame on untouched, with no JSON parsing per instance. A JSON frame holds no raw newline
 * (JSON escapes them inside strings), so lines cannot be confused.
 */
final class FanOutPayload {

    private FanOutPayload() {
    }

    static String encode(List<Message> messages) {
        StringBuilder out = new StringBuilder(messages.size() * 256);
        for (Message m : messages) {
            out.append(m.groupId()).append(' ').append(m.seq()).append(' ')
                    .append(ChronoUnit.MICROS.between(Instant.EPOCH, m.createdAt())).append(' ')
                    .append(Frames.message(m)).append('\n');
        }
        return out.toString();
    }

    /** Calls {@code sink} for each well-formed line, in order; a malformed line is skipped. */
    static void decode(String payload, Consumer<Delivery> sink) {
        int start = 0;
        while (start < payload.length()) {
            int end = payload.indexOf('\n', start);
            if (end < 0) {
                end = payload.length();
            }
            Delivery delivery = line(payload, start, end);
            if (delivery != null) {
                sink.accept(delivery);
            }
            start = end + 1;
        }
    }

    private static Delivery line(String payload, int start, int end) {
        int a = payload.indexOf(' ', start);
        int b = a < 0 ? -1 : payload.indexOf(' ', a + 1);
        int c = b < 0 ? -1 : payload.indexOf(' ', b + 1);
        if (c < 0 || c >= end) {
            return null;
        }
        try {
            UUID groupId = UUID.fromString(payload.substring(start, a));
            long seq = Long.parseLong(payload, a + 1, b, 10);
            long micros = Long.parseLong(payload, b + 1, c, 10);
            Instant createdAt = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
            return new Delivery(groupId, seq, createdAt, payload.substring(c + 1, end));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
