package dev.chorus.realtime;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the realtime module (prefix {@code chorus.realtime}): the per-socket send buffer in bytes (a socket
 * that lets it fill is closed with 1008), the container's per-socket receive buffer (messages arrive in parts of
 * this size and are joined up to the frame limit), the time allowed to authenticate, the largest frame accepted, and how
 * long a resume may wait for room in a socket's buffer while replaying history, and how long one write may block
 * before the connection is aborted.
 */
@ConfigurationProperties("chorus.realtime")
public record RealtimeProperties(@DefaultValue("1048576") long sendBufferBytes, @DefaultValue("PT5S") Duration authTimeout,
        @DefaultValue("65536") int maxFrameBytes, @DefaultValue("512") int receiveBufferChars, @DefaultValue("PT10S") Duration replayWait, @DefaultValue("PT20S") Duration writeTimeout) {
}
