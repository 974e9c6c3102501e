package dev.chorus.system;

import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
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
}
