package dev.chorus.ops;

import java.io.IOException;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/** The one error shape of SPEC §3: {@code {"error": code, "message": text, "requestId": id}}. */
public record ApiError(String error, String message, String requestId) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static ApiError of(String code, String message) {
        return new ApiError(code, message, MDC.get(RequestIdFilter.MDC_KEY));
    }

    /** Writes an error from a servlet filter, where no controller advice reaches. */
    public static void write(HttpServletResponse response, int status, String code, String message) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(JSON.writeValueAsString(of(code, message)));
        response.flushBuffer();
    }
}
