package dev.chorus.ops;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.MDC;

/**
 * The request id of SPEC §3 ({@code X-Request-ID}), for work that outlives its request, such as a WebSocket: keep
 * it from the upgrade request and put it back in the logging context with {@link #inContext}.
 */
public final class RequestIds {

    /** The key of the request id in the logging context (MDC), and so in every JSON log line. */
    public static final String MDC_KEY = "requestId";

    private RequestIds() {
    }

    /** The id {@link RequestIdFilter} gave this request. */
    public static String of(HttpServletRequest request) {
        return request.getAttribute(MDC_KEY) instanceof String id ? id : null;
    }

    /** Runs {@code work} with {@code requestId} in the logging context (nothing is set when it is null). */
    public static void inContext(String requestId, Runnable work) {
        if (requestId == null) {
            work.run();
            return;
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable(MDC_KEY, requestId)) {
            work.run();
        }
    }
}
