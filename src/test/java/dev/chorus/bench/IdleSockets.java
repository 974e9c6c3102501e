package dev.chorus.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Many idle WebSockets in one JVM: each authenticates with a first {@code auth} frame, subscribes to one group and
 * then only answers pings (Netty does that). Netty rather than the JDK's client because it costs a few KB per socket
 * and reads them all on one event-loop thread. A socket closed with 1012 (an instance shutting down) reconnects
 * through the same URL after a random delay up to the jitter, and resumes with {@code afterSeq}, as a client should.
 *
 * <p>Counts, all thread-safe: sockets subscribed now, subscriptions ever completed, failures by reason.
 */
final class IdleSockets implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /**
     * A client gives up after this many failed reconnections in a row (with the backoff, several minutes: longer than
     * the benchmark waits for a storm to settle, so in practice a client never gives up, as a real one would not).
     */
    private static final int MAX_RETRIES = 40;
    private static final long MAX_BACKOFF_MS = 16_000;
    /**
     * How long an upgrade may wait for its answer (Netty's default is 10 s). In a reconnect storm thousands of
     * upgrades queue at the instances that are left; a browser waits longer than 10 s too before it gives up.
     */
    private static final long HANDSHAKE_TIMEOUT_MS = 30_000;

    private final MultiThreadIoEventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Bootstrap bootstrap;
    private final URI uri;
    private final Random jitter = new Random(17);
    private final int jitterMs;
    private final Semaphore connecting;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger reconnecting = new AtomicInteger();
    private final LongAdder subscriptions = new LongAdder();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final List<Channel> channels = new java.util.concurrent.CopyOnWriteArrayList<>();

    IdleSockets(String baseUrl, int connectingAtOnce, int jitterMs) {
        this.uri = URI.create(baseUrl.replaceFirst("^http", "ws") + "/ws");
        this.jitterMs = jitterMs;
        this.connecting = new Semaphore(connectingAtOnce);
        this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    /** Opens one socket; returns at once when fewer than connectingAtOnce handshakes are in flight. */
    void open(String token, String groupId) throws InterruptedException {
        connecting.acquire();
        connect(new Socket(token, groupId), true);
    }

    int open() {
        return open.get();
    }

    long subscriptions() {
        return subscriptions.sum();
    }

    int reconnecting() {
        return reconnecting.get();
    }

    Map<String, Integer> failures() {
        Map<String, Integer> copy = new java.util.TreeMap<>();
        failures.forEach((reason, n) -> copy.put(reason, n.get()));
        return copy;
    }

    /** Waits until every started handshake finished (subscribed or failed), or the deadline. */
    boolean settled(long timeoutMs, int max) throws InterruptedException {
        if (connecting.tryAcquire(max, timeoutMs, TimeUnit.MILLISECONDS)) {
            connecting.release(max);
            return true;
        }
        return false;
    }

    private void failed(String reason) {
        failures.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
    }

    private void connect(Socket socket, boolean holdsPermit) {
        socket.holdsPermit = holdsPermit;
        socket.attemptDone = false;
        bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                        new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                .webSocketUri(uri).handleCloseFrames(false).maxFramePayloadLength(1 << 20)
                                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS).build()),
                        socket);
            }
        }).connect(uri.getHost(), uri.getPort()).addListener(f -> {
            if (!f.isSuccess()) {
                socket.finish("connect: " + f.cause().getClass().getSimpleName());
            }
        });
    }

    @Override
    public void close() {
        channels.forEach(Channel::close);
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One client socket across its reconnections; its handler instance is reused, one channel at a time. */
    @io.netty.channel.ChannelHandler.Sharable
    private final class Socket extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final String token;
        private final String groupId;
        /** The last seq the server reported for the group; -1 before the first subscription. Event-loop thread only. */
        private long lastSeq = -1;
        private boolean subscribed;
        private boolean holdsPermit;
        /** Whether the current connection attempt has been counted (subscribed or failed). */
        private boolean attemptDone;
        /** Failed reconnection attempts in a row; a client gives up after MAX_RETRIES. */
        private int retries;
        private int closeCode;

        Socket(String token, String groupId) {
            this.token = token;
            this.groupId = groupId;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"auth\",\"token\":\"" + token + "\"}"));
            } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                finish("handshake timeout");
                ctx.close();
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                closeCode = close.statusCode();
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), "")).addListener(f -> ctx.close());
                return;
            }
            if (!(frame instanceof TextWebSocketFrame text)) {
                return;
            }
            JsonNode json = JSON.readTree(text.text());
            switch (json.path("type").asString()) {
                case "authenticated" -> ctx.writeAndFlush(new TextWebSocketFrame(subscribeFrame()));
                case "subscribed" -> {
                    lastSeq = json.path("lastSeq").asLong(0);
                    subscribed = true;
                    retries = 0;
                    open.incrementAndGet();
                    subscriptions.increment();
                    channels.add(ctx.channel());
                    finish(null);
                }
                case "message" -> lastSeq = Math.max(lastSeq, json.path("seq").asLong(lastSeq));
                case "error" -> {
                    finish("error frame " + json.path("error").asString());
                    ctx.close();
                }
                default -> { }
            }
        }

        private String subscribeFrame() {
            return "{\"type\":\"subscribe\",\"groupId\":\"" + groupId + "\""
                    + (lastSeq >= 0 ? ",\"afterSeq\":" + lastSeq : "") + "}";
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(cause instanceof WebSocketClientHandshakeException refused && refused.response() != null
                    ? "upgrade refused: " + refused.response().status().code() : cause.getClass().getSimpleName());
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            channels.remove(ctx.channel());
            if (subscribed) {
                subscribed = false;
                open.decrementAndGet();
                if (closeCode == 1012) {
                    reconnectLater();
                } else {
                    failed("closed " + closeCode);
                }
            } else {
                finish("closed " + closeCode + " before subscribed");
            }
            closeCode = 0;
        }

        /**
         * The attempt is over, well (reason null) or not; counted once, frees the caller's permit. A failed
         * reconnection, or a refused first attempt, is tried again after a jitter, as a client would, up to MAX_RETRIES.
         */
        private void finish(String reason) {
            if (attemptDone) {
                return;
            }
            attemptDone = true;
            if (reason != null) {
                failed(reason);
                // A socket that was open before (a storm), or one an instance refused with 503 (full, busy admitting,
                // draining: "come back later"), tries again; a first attempt that failed otherwise is a failure.
                if ((lastSeq >= 0 || reason.startsWith("upgrade refused: 503")) && ++retries <= MAX_RETRIES) {
                    reconnectLater();
                }
            }
            if (holdsPermit) {
                holdsPermit = false;
                connecting.release();
            }
        }

        /**
         * As the README asks of clients: after a 1012 at a random moment within the jitter, after a failed attempt
         * with exponential backoff and full jitter (a random delay below min(16 s, 0.5 s * 2^attempt)), so that a
         * storm's retries spread out instead of coming back in waves.
         */
        private void reconnectLater() {
            reconnecting.incrementAndGet();
            long bound = retries == 0 ? jitterMs : Math.min(MAX_BACKOFF_MS, 250L << retries);
            loop.schedule(() -> {
                reconnecting.decrementAndGet();
                connect(this, false);
            }, bound <= 0 ? 0 : jitter.nextLong(bound), TimeUnit.MILLISECONDS);
        }
    }
}
