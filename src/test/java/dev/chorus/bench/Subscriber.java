package dev.chorus.bench;

import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A subscribing socket: counts each message frame for the step named in its content and records its latency from
 * the send time the publisher wrote there (same JVM, same clock). A close or error counts against the running step.
 */
final class Subscriber implements WebSocket.Listener {

    /** Content of benchmark messages: {@code bench:<step>:<System.nanoTime() when built>}. */
    static final String MARK = "bench:";

    private final Steps steps;
    private final CountDownLatch subscribed;
    /** Only accessed by this socket's listener calls, which the JDK client runs one at a time. */
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean closed = new AtomicBoolean();

    Subscriber(Steps steps, CountDownLatch subscribed) {
        this.steps = steps;
        this.subscribed = subscribed;
    }

    static String content(int tag, long nanos) {
        return MARK + tag + ":" + nanos;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        long now = System.nanoTime();
        partial.append(data);
        if (last) {
            frame(partial.toString(), now);
            partial.setLength(0);
        }
        ws.request(1);
        return null;
    }

    private void frame(String frame, long now) {
        int mark = frame.indexOf(MARK);
        if (frame.startsWith("{\"type\":\"message\"") && mark > 0) {
            int colon = frame.indexOf(':', mark + MARK.length());
            int end = frame.indexOf('"', colon);
            StepCounters step = steps.get(Integer.parseInt(frame, mark + MARK.length(), colon, 10));
            if (step != null) {
                step.delivered(now - Long.parseLong(frame, colon + 1, end, 10), now);
            }
        } else if (frame.contains("\"type\":\"subscribed\"")) {
            subscribed.countDown();
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        lost("closed: " + code + (reason.isEmpty() ? "" : " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        lost("failed: " + error);
    }

    private void lost(String why) {
        if (closed.compareAndSet(false, true)) {
            steps.current().socketClosed();
            BenchLog.rarely("a subscriber socket " + why);
        }
    }
}
