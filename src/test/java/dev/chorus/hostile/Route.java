package dev.chorus.hostile;

import dev.chorus.support.Api;
import dev.chorus.support.RawHttp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a case's request goes: straight to the instance, or through the real nginx of {@code deploy/}. The same
 * catalogue runs on both. {@code viaBalancer} decides only how an answer is judged: nginx may answer some malformed
 * requests itself, with a 4xx of its own, before the instance sees them.
 */
record Route(String name, Api api, boolean viaBalancer) {

    int port() {
        return URI.create(api.base()).getPort();
    }

    /** Sends a request through the JDK client and returns its answer in the form raw requests get theirs. */
    RawHttp.Answer send(HttpRequest.Builder request) {
        Api.Response r = api.send(request);
        Map<String, String> headers = new LinkedHashMap<>();
        r.raw().headers().map().forEach((name, values) -> headers.put(name.toLowerCase(), values.getFirst()));
        return new RawHttp.Answer(r.status(), headers, r.raw().body());
    }

    /**
     * A hand-written request: {@code method target HTTP/1.1}, a Host, the given header lines (CRLF-terminated, any
     * bytes), a Content-Length for the body unless the header lines set one or ask for chunking, and Connection:
     * close unless the header lines set a Connection of their own (which should then hold "close" as well).
     */
    RawHttp.Answer raw(String method, String target, String headerLines, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port()).append("\r\n").append(headerLines);
        String lower = headerLines.toLowerCase();
        if (!lower.contains("content-length:") && !lower.contains("transfer-encoding:") && body.length > 0) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append(lower.contains("connection:") ? "" : "Connection: close\r\n").append("\r\n");
        return RawHttp.exchange(port(), head.toString().getBytes(StandardCharsets.UTF_8), body);
    }

    @Override
    public String toString() {
        return name;
    }
}
