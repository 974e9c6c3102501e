package dev.chorus.ops;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Maps every failure inside a controller to the SPEC error shape; unexpected ones become a logged 500. */
@RestControllerAdvice
class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> api(ApiException e) {
        if (e.retryAfterSeconds() > 0) {
            return ResponseEntity.status(e.status())
                    .header("Retry-After", Long.toString(e.retryAfterSeconds()))
                    .body(ApiError.of(e.code(), e.getMessage()));
        }
        return respond(e.status(), e.code(), e.getMessage());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException e) {
        if (causedByTooLargeBody(e)) {
            return respond(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", "request body is too large");
        }
        return respond(HttpStatus.BAD_REQUEST, "malformed_json", "the request body is not valid JSON of the expected shape");
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<ApiError> invalid(MethodArgumentNotValidException e) {
        String detail = e.getBindingResult().getFieldErrors().stream()
                .map(f -> f.getField() + " " + f.getDefaultMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return respond(HttpStatus.BAD_REQUEST, "validation_failed", detail.isEmpty() ? "invalid request" : detail);
    }

    @ExceptionHandler({MethodArgumentTypeMismatchException.class, MissingServletRequestParameterException.class,
            HandlerMethodValidationException.class})
    ResponseEntity<ApiError> badParameter(Exception e) {
        return respond(HttpStatus.BAD_REQUEST, "validation_failed", "a request parameter is missing or malformed");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ApiError> mediaType(HttpMediaTypeNotSupportedException e) {
        return respond(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send application/json");
    }

    /**
     * Written directly: a ResponseEntity would go through content negotiation again, which the caller's Accept has
     * just failed, and leave the 406 without a body.
     */
    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    void notAcceptable(HttpMediaTypeNotAcceptableException e, HttpServletResponse response) throws IOException {
        ApiError.write(response, HttpStatus.NOT_ACCEPTABLE.value(), "not_acceptable", "this endpoint answers application/json");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ApiError> method(HttpRequestMethodNotSupportedException e) {
        return respond(HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed", e.getMethod() + " is not allowed here");
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ApiError> noResource(NoResourceFoundException e) {
        return respond(HttpStatus.NOT_FOUND, "not_found", "no such endpoint");
    }

    @ExceptionHandler({AccessDeniedException.class, AuthenticationException.class})
    void security(Exception e) throws Exception {
        throw e; // let Spring Security's entry point and access-denied handler answer
    }

    /**
     * A dependency that cannot be reached or is saturated (no database connection within the pool's timeout, Redis
     * down) is the server's trouble but not a bug: 503 with Retry-After, so clients and balancers try again later.
     */
    @ExceptionHandler(DataAccessResourceFailureException.class)
    ResponseEntity<ApiError> dependencyUnavailable(Exception e) {
        log.warn("dependency unavailable: {}", e.toString());
        return unavailable();
    }

    static ResponseEntity<ApiError> unavailable() {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1")
                .body(ApiError.of("unavailable", "a service this request needs is unavailable; retry shortly"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> unexpected(Exception e) {
        if (causedByTooLargeBody(e)) {
            return respond(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", "request body is too large");
        }
        if (DependencyFailure.isCauseOf(e)) {
            return dependencyUnavailable(e);
        }
        log.error("unexpected failure", e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on our side");
    }

    static ResponseEntity<ApiError> respond(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).body(ApiError.of(code, message));
    }

    private static boolean causedByTooLargeBody(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BodySizeLimitFilter.BodyTooLargeException) {
                return true;
            }
        }
        return false;
    }
}
