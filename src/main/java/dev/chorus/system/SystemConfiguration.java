package dev.chorus.system;

import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class SystemConfiguration {

    /**
     * Ticks in microseconds, PostgreSQL's precision, so a timestamp reads back exactly as it was first answered.
     * {@code chorus.clock.offset} shifts it, so tests can give instances clocks that disagree.
     */
    @Bean
    Clock clock(@Value("${chorus.clock.offset:PT0S}") Duration offset) {
        return Clock.offset(Clock.tick(Clock.systemUTC(), Duration.ofNanos(1_000)), offset);
    }

    /**
     * Redis command latency as Lettuce's own timers ({@code lettuce_command_completion_seconds}, no client-side
     * percentiles), in place of the observation Spring Boot would wrap around every command (it is excluded in
     * application.properties): that made several objects and a span per command on the message path, for tracing
     * nobody configured.
     */
    @Bean
    ClientResourcesBuilderCustomizer redisCommandLatency(MeterRegistry meters) {
        MicrometerOptions options = MicrometerOptions.builder().histogram(false).targetPercentiles(new double[0]).build();
        return resources -> resources.commandLatencyRecorder(new MicrometerCommandLatencyRecorder(meters, options));
    }

    /**
     * Reconnections to Redis at most 1 s apart. Lettuce's default backoff doubles up to 30 s, so after a Sentinel
     * failover or an outage of some seconds a connection could wait half a minute more before it asks the Sentinels
     * for the new master again, long after Redis is back (SPEC §5: ready again within 10 s of a recovery). Each
     * attempt is one connection per Redis client, cheap for Redis.
     */
    @Bean
    ClientResourcesBuilderCustomizer redisReconnectDelay() {
        return resources -> resources.reconnectDelay(
                Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS));
    }
}
