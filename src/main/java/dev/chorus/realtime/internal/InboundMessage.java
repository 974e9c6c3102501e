package dev.chorus.realtime.internal;

/**
 * Joins the parts of one incoming text message and measures it in UTF-8 bytes. A message that arrives whole (the
 * common case) is passed on without copying. Only the container's reader for the socket touches it.
 */
final class InboundMessage {

    /** The parts so far of a message that arrived in pieces; null between messages. */
    private StringBuilder parts;
    /** The UTF-8 size of the current message so far, or of the one just completed. */
    private long bytes;

    /** Adds a part; returns the whole message once its last part came, else null. */
    String add(String part, boolean last) {
        if (parts == null && last) {
            bytes = utf8Length(part);
            return part;
        }
        if (parts == null) {
            parts = new StringBuilder(part.length() * 2);
            bytes = 0;
        }
        parts.append(part);
        // Per part, a surrogate pair split between two parts counts 6 bytes instead of 4: an upper bound, made
        // exact before it decides anything.
        bytes += utf8Length(part);
        if (last) {
            String whole = parts.toString();
            parts = null;
            bytes = utf8Length(whole);
            return whole;
        }
        return null;
    }

    /** Whether the current message (so far) is over this many UTF-8 bytes. */
    boolean over(long limit) {
        if (bytes <= limit) {
            return false;
        }
        if (parts != null) {
            bytes = utf8Length(parts);
            if (bytes > limit) {
                parts = null;
                return true;
            }
            return false;
        }
        return true;
    }

    static long utf8Length(CharSequence text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
