package dev.chorus.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The socket ceiling an instance keeps to: WS_MAX_CONNECTIONS, lowered by its file-descriptor limit. */
class SocketCapacityTest {

    @Test
    void theCeilingIsTheSettingWhileTheProcessMayOpenEnoughDescriptors() {
        assertThat(SocketCapacity.ceiling(20_000, 1_048_576)).isEqualTo(20_000);
        assertThat(SocketCapacity.ceiling(20_000, 20_000 + SocketCapacity.RESERVED_DESCRIPTORS)).isEqualTo(20_000);
    }

    @Test
    void aDescriptorLimitBelowTheSettingLowersTheCeilingAndKeepsDescriptorsForEverythingElse() {
        assertThat(SocketCapacity.ceiling(20_000, 20_000)).isEqualTo(20_000 - SocketCapacity.RESERVED_DESCRIPTORS);
        assertThat(SocketCapacity.ceiling(20_000, 4_096)).isEqualTo(4_096 - SocketCapacity.RESERVED_DESCRIPTORS);
    }

    @Test
    void theCeilingNeverFallsBelowOneSocket() {
        assertThat(SocketCapacity.ceiling(20_000, 100)).isEqualTo(1);
        assertThat(SocketCapacity.ceiling(1, Long.MAX_VALUE)).isEqualTo(1);
    }

    @Test
    void tomcatTakesNoMoreConnectionsThanTheProcessHasDescriptorsFor() {
        assertThat(SocketMemory.maxConnections(20_000, 1_048_576)).isEqualTo(20_000 + SocketMemory.HTTP_HEADROOM);
        assertThat(SocketMemory.maxConnections(20_000, 20_000)).isEqualTo(20_000 - SocketCapacity.RESERVED_DESCRIPTORS / 2);
        assertThat(SocketMemory.maxConnections(20_000, 20_000) - SocketCapacity.ceiling(20_000, 20_000))
                .as("connections for HTTP, health probes and upgrades being admitted while the sockets fill the ceiling")
                .isEqualTo(512);
    }
}
