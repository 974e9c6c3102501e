package dev.chorus.ops;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's error report, in the SPEC error shape and with X-Request-ID and X-Instance-ID, for requests Tomcat
 * refuses before any filter runs (an encoded slash in a path, headers over the limit). Errors raised inside the
 * application never reach it: they are answered by {@link ApiExceptionHandler} and {@link ApiErrorController}.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private volatile String instanceId = "unknown";

    void setInstanceId(String instanceId) {
        this.instanceId = instanceId;
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String requestId = RequestIdFilter.sanitize(request.getHeader(RequestIdFilter.HEADER));
        try {
            response.setHeader(RequestIdFilter.HEADER, requestId);
            response.setHeader("X-Instance-ID", instanceId);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            String code = status >= 500 ? "internal_error" : status == 404 ? "not_found" : "bad_request";
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(JSON.writeValueAsString(new ApiError(code, "the request was refused: status " + status, requestId)));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone; nothing more to say
        }
    }

}
