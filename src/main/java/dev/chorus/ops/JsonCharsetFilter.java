package dev.chorus.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * SPEC §3: bodies are JSON in UTF-8. A Content-Type naming another charset, or one that does not exist, gets 415: the
 * JSON reader would otherwise fall back to guessing the encoding and act on a body its sender meant otherwise. No
 * charset at all means UTF-8.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 11)
class JsonCharsetFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String charset = charsetOf(request.getContentType());
        if (charset != null && !isUtf8(charset)) {
            ApiError.write(response, 415, "unsupported_media_type", "send application/json in UTF-8");
            return;
        }
        chain.doFilter(request, response);
    }

    /** The charset parameter of the Content-Type, or null when there is none (or the type is unreadable: Spring refuses it). */
    static String charsetOf(String contentType) {
        if (contentType == null) {
            return null;
        }
        try {
            return MediaType.parseMediaType(contentType).getParameter("charset");
        } catch (InvalidMediaTypeException unreadable) {
            return null;
        }
    }

    static boolean isUtf8(String charset) {
        String name = charset.replace("\"", "").trim();
        try {
            return Charset.isSupported(name) && Charset.forName(name).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException illegalName) {
            return false;
        }
    }
}
