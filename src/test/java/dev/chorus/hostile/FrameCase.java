package dev.chorus.hostile;

import dev.chorus.support.WsClient;
import java.util.function.Consumer;

/**
 * One hostile thing done on a WebSocket and the answer SPEC §4 gives it.
 *
 * <p>On a {@link Socket#SHARED} socket (authenticated, or not yet: {@link Socket#SHARED_UNAUTHENTICATED}) the answer
 * is one frame of type {@code reply} (for an {@code error}, with the code {@code code}) and the socket stays open: the
 * next case runs on it, after a ping has been answered with a pong. On an {@link Socket#OWN} socket, opened with
 * {@code queryToken} (null: none), the answer is an optional {@code error} frame of {@code code} and then the close
 * code {@code closeCode}.
 */
record FrameCase(String frame, String name, Socket socket, String reply, String code, String queryToken, int closeCode,
        Consumer<WsClient> action) {

    enum Socket {
        SHARED, SHARED_UNAUTHENTICATED, OWN
    }

    @Override
    public String toString() {
        String answer = switch (socket) {
            case OWN -> (code == null ? "" : "error " + code + ", then ") + "close " + closeCode;
            default -> "error".equals(reply) ? "error " + code + ", socket stays open" : reply + ", socket stays open";
        };
        return name + " → " + answer;
    }
}
