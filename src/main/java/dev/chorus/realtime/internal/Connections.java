package dev.chorus.realtime.internal;

import dev.chorus.ops.HealthDetailContributor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** The sockets open on this instance, and the metrics about them. */
@Component
class Connections implements HealthDetailContributor {

    private final Map<String, ClientConnection> open = new ConcurrentHashMap<>();
    private final Counter delivered;
    private final Counter slowDropped;
    private final Timer fanOutLatency;
    private final Clock clock;

    Connections(MeterRegistry meters, Clock clock) {
        this.clock = clock;
        Gauge.builder("chorus.websocket.connections", open, Map::size).description("open WebSocket connections").register(meters);
        this.delivered = Counter.builder("chorus.messages.delivered").description("message frames written to sockets").register(meters);
        this.slowDropped = Counter.builder("chorus.websocket.slow.consumers")
                .description("sockets closed with 1008 because their send buffer filled").register(meters);
        this.fanOutLatency = Timer.builder("chorus.fanout.latency")
                .description("from a message being accepted to its frame first being written to a socket on this instance")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(meters);
    }

    void add(ClientConnection connection) {
        open.put(connection.id(), connection);
    }

    ClientConnection get(String id) {
        return open.get(id);
    }

    ClientConnection remove(String id) {
        return open.remove(id);
    }

    int count() {
        return open.size();
    }

    Collection<ClientConnection> all() {
        return open.values();
    }

    /** Called by a connection's writer after each frame. */
    void written(Outbound frame) {
        if (frame.isMessage()) {
            delivered.increment();
            Instant acceptedAt = frame.firstTiming();
            if (acceptedAt != null) {
                fanOutLatency.record(Duration.between(acceptedAt, clock.instant()));
            }
        }
    }

    void slowConsumerDropped() {
        slowDropped.increment();
    }

    @Override
    public void contribute(Map<String, Object> details) {
        details.put("websocketConnections", open.size());
    }
}
