package dev.chorus.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket upgrade written by hand, as a browser sends it: every header chosen by the test (the JDK's client
 * hides the response headers and will not set some request headers), from a chosen local address, so that a test
 * can see what the server answered to the upgrade itself ({@link #status}, {@link #header}) and, after a 101,
 * exchange text frames on the socket.
 */
public final class RawUpgrade implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int status;
    private final Map<String, String> headers;

    private RawUpgrade(Socket socket, DataInputStream in, int status, Map<String, String> headers) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.status = status;
        this.headers = headers;
    }

    /**
     * Sends {@code GET path} with the upgrade headers plus {@code extraHeaders} (e.g. Origin) to 127.0.0.1:port from
     * {@code from}, and reads the response head.
     */
    public static RawUpgrade send(InetAddress from, int port, String path, Map<String, String> extraHeaders) {
        try {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
            byte[] key = new byte[16];
            RANDOM.nextBytes(key);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n");
            extraHeaders.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String[] head = readHead(in).split("\r\n");
            int status = Integer.parseInt(head[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                if (colon > 0) {
                    headers.putIfAbsent(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).trim());
                }
            }
            return new RawUpgrade(socket, in, status, headers);
        } catch (IOException e) {
            throw new IllegalStateException("upgrade to port " + port + " failed", e);
        }
    }

    public int status() {
        return status;
    }

    /** A response header of the upgrade (the first one of that name), or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Sends one masked text frame (after a 101). */
    public void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 125) {
            throw new IllegalArgumentException("only short frames are needed here");
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        frame.write(0x80 | payload.length);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Reads the next text frame the server sends (unmasked, unfragmented); fails after the socket's 10 s timeout. */
    public String receiveText() throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = in.readNBytes((int) length);
        if ((first & 0x0f) != 0x1) {
            throw new IllegalStateException("expected a text frame, got opcode " + (first & 0x0f));
        }
        return new String(payload, StandardCharsets.UTF_8);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the response head ended: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1).trim();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
