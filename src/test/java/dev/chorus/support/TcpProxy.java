package dev.chorus.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A TCP proxy on a loopback port, for network faults a test controls: {@link #freeze} turns chosen existing
 * connections into black holes (bytes are read and dropped both ways, nothing is closed, as with a half-open
 * connection or a partition), while new connections keep working. Each connection remembers whether the client
 * ever sent a given command word (e.g. Redis's SUBSCRIBE), so a test can freeze only a pub/sub connection.
 */
public final class TcpProxy implements AutoCloseable {

    /** One proxied connection. */
    public static final class Link {
        private final Socket client;
        private final Socket server;
        /** Set by the test thread, read by the pump threads. */
        private volatile boolean frozen;
        /** Appended to by the client → server pump only; read by the test thread. */
        private final StringBuffer clientWords = new StringBuffer();

        private Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** Whether the client sent this word (case-insensitive) at some point, e.g. {@code SUBSCRIBE}. */
        public boolean clientSent(String word) {
            return clientWords.toString().toUpperCase(Locale.ROOT).contains(word.toUpperCase(Locale.ROOT));
        }

        private void close() {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public TcpProxy(String targetHost, int targetPort) {
        try {
            this.listener = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.target = new InetSocketAddress(targetHost, targetPort);
        this.acceptor = Thread.ofVirtual().name("proxy-accept-" + port()).start(this::acceptLoop);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Existing connections matching the filter stop passing bytes (both ways); returns how many were frozen. */
    public int freeze(Predicate<Link> which) {
        int count = 0;
        for (Link link : links) {
            if (!link.frozen && which.test(link)) {
                link.frozen = true;
                count++;
            }
        }
        return count;
    }

    /** Every existing connection becomes a black hole. */
    public int freezeAll() {
        return freeze(link -> true);
    }

    public int connections() {
        return (int) links.stream().filter(l -> !l.client.isClosed()).count();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target, 2000);
                Link link = new Link(client, server);
                links.add(link);
                Thread.ofVirtual().start(() -> pump(link, client, server, true));
                Thread.ofVirtual().start(() -> pump(link, server, client, false));
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void pump(Link link, Socket from, Socket to, boolean fromClient) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (fromClient && link.clientWords.length() < 64 * 1024) {
                    link.clientWords.append(new String(buffer, 0, Math.min(n, 512), StandardCharsets.ISO_8859_1));
                }
                if (!link.frozen) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            link.close();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closeQuietly(listener);
        links.forEach(Link::close);
        acceptor.interrupt();
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
