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
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * A TCP proxy on a loopback port, for network faults a test controls: {@link #freeze} turns chosen existing
 * connections into black holes (bytes are read and dropped both ways, nothing is closed, as with a half-open
 * connection), while new connections keep working. Each connection remembers whether the client ever sent a given
 * command word (e.g. Redis's SUBSCRIBE), so a test can freeze only a pub/sub connection.
 *
 * <p>{@link #partition()} holds every byte of every connection, old and new, until {@link #heal()}, then lets them
 * through in order, as a network partition that heals does (TCP retransmits what was held up); {@link #cut()}
 * closes every connection and refuses new ones until {@link #restore()}, as a server that restarts does.
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
    /** Open while bytes flow; a closed gate (count 1) holds every pump until it opens. Set by the test thread. */
    private volatile CountDownLatch gate = new CountDownLatch(0);
    /** While set, new connections are closed at once. Set by the test thread, read by the acceptor. */
    private volatile boolean refusing;

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

    /** From now on no byte passes either way on any connection, old or new, until {@link #heal()}. */
    public synchronized void partition() {
        if (gate.getCount() == 0) {
            gate = new CountDownLatch(1);
        }
    }

    /** Bytes held by {@link #partition()} go on, in order, and new ones flow again. */
    public synchronized void heal() {
        gate.countDown();
    }

    /** Closes every connection and refuses new ones until {@link #restore()}. */
    public void cut() {
        refusing = true;
        links.forEach(Link::close);
        links.clear();
    }

    /** Accepts connections again after {@link #cut()}. */
    public void restore() {
        refusing = false;
    }

    public int connections() {
        return (int) links.stream().filter(l -> !l.client.isClosed()).count();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (refusing) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket();
                try {
                    server.connect(target, 2000);
                } catch (IOException unreachable) {
                    closeQuietly(client); // as the target itself would: the client learns at once
                    continue;
                }
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

    private void pump(Link link, Socket from, Socket to, boolean fromClient) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (fromClient && link.clientWords.length() < 64 * 1024) {
                    link.clientWords.append(new String(buffer, 0, Math.min(n, 512), StandardCharsets.ISO_8859_1));
                }
                awaitFlowing();
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

    private void awaitFlowing() throws IOException {
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while partitioned", e);
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
        heal();
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
