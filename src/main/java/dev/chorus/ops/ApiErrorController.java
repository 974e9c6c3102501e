package dev.chorus.ops;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers errors that happen outside controllers (container-level failures, and exceptions thrown in filters) in the
 * SPEC error shape. A filter failing because PostgreSQL or Redis does not answer (the session revocation check reads
 * Redis) is a 503, as it is inside a controller.
 */
@RestController
class ApiErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorController.class);

    @RequestMapping("/error")
    ResponseEntity<ApiError> error(HttpServletRequest request) {
        if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable failure
                && DependencyFailure.isCauseOf(failure)) {
            log.warn("dependency unavailable: {}", failure.toString());
            return ApiExceptionHandler.unavailable();
        }
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer i ? HttpStatus.resolve(i) : null;
        if (status == null) {
            status = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        String error = switch (status) {
            case NOT_FOUND -> "not_found";
            case UNAUTHORIZED -> "unauthorized";
            case FORBIDDEN -> "forbidden";
            case CONTENT_TOO_LARGE -> "payload_too_large";
            case METHOD_NOT_ALLOWED -> "method_not_allowed";
            default -> status.is4xxClientError() ? "bad_request" : "internal_error";
        };
        return ApiExceptionHandler.respond(status, error, status.getReasonPhrase());
    }
}
