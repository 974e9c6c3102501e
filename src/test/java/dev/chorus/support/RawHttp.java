package dev.chorus.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One HTTP/1.1 request written byte for byte on a socket of its own, for what the JDK's HttpClient refuses to send
 * by design: CR/LF in a header, a hand-made request line, a Host or Content-Length of the test's choosing, a body
 * larger than the server will read. Hand-written because every well-kept client exists to make exactly these
 * requests impossible. The request should ask for {@code Connection: close}: the answer is read until the server
 * closes, or until its 10 s read timeout.
 */
public final class RawHttp {

    private static final int TIMEOUT_MILLIS = 10_000;

    /** What came back: status, headers (first of each name, lower-case names) and the body (de-chunked), or status -1. */
    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public JsonNode json() {
            try {
                return body.isBlank() ? Api.JSON.missingNode() : Api.JSON.readTree(body);
            } catch (RuntimeException notJson) {
                return Api.JSON.missingNode();
            }
        }
    }

    private RawHttp() {
    }

    /**
     * Sends the head (whose lines end in CRLF and which ends with an empty line) and then the body on a separate
     * virtual thread, so that a server answering early and closing does not leave the writer blocked; reads the
     * answer meanwhile.
     */
    public static Answer exchange(int port, byte[] head, byte[] body) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(head);
                    out.write(body);
                    out.flush();
                } catch (IOException serverStoppedReading) {
                    // the server may answer and close before the whole body is sent: its answer is what counts
                }
            });
            byte[] received = readUntilClosed(socket.getInputStream());
            writer.join(TIMEOUT_MILLIS);
            return parse(received);
        } catch (IOException e) {
            throw new IllegalStateException("request to port " + port + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Answer exchange(int port, String head, String body) {
        return exchange(port, head.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8));
    }

    /** Everything the server sent until it closed; a reset after some bytes keeps what came. */
    private static byte[] readUntilClosed(InputStream in) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (IOException resetOrTimeout) {
            // what arrived before the reset is the answer
        }
        return all.toByteArray();
    }

    private static Answer parse(byte[] received) {
        String text = new String(received, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0 || !text.startsWith("HTTP/")) {
            return new Answer(-1, Map.of(), text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        byte[] rest = Arrays.copyOfRange(received, end + 4, received.length);
        byte[] body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? dechunked(rest) : rest;
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunked(byte[] chunked) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String text = new String(chunked, StandardCharsets.ISO_8859_1);
        int at = 0;
        while (at < text.length()) {
            int lineEnd = text.indexOf("\r\n", at);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(text.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (size == 0 || lineEnd + 2 + size > chunked.length) {
                break;
            }
            body.write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
        return body.toByteArray();
    }
}
