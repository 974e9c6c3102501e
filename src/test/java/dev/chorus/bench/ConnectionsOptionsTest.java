package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConnectionsOptionsTest {

    private static final String[] BASE = {"--url", "http://127.0.0.1:9080", "--run-dir", "/tmp/bench"};

    private static ConnectionsOptions parse(String... more) {
        String[] all = new String[BASE.length + more.length];
        System.arraycopy(BASE, 0, all, 0, BASE.length);
        System.arraycopy(more, 0, all, BASE.length, more.length);
        return ConnectionsOptions.parse(all);
    }

    @Test
    void defaultsAreTwentyThousandSocketsOnOneInstanceThroughTheBalancer() {
        ConnectionsOptions o = parse();
        assertThat(o.count()).isEqualTo(20_000);
        assertThat(o.instances()).isEqualTo(1);
        assertThat(o.direct()).isFalse();
        assertThat(o.storm()).isFalse();
        assertThat(o.runDir()).isEqualTo(Path.of("/tmp/bench"));
    }

    @Test
    void flagsAndValuedOptionsMix() {
        ConnectionsOptions o = parse("--count", "500", "--direct", "--groups", "7", "--idle", "0", "--rest", "5");
        assertThat(o.count()).isEqualTo(500);
        assertThat(o.direct()).isTrue();
        assertThat(o.groups()).isEqualTo(7);
        assertThat(o.idleS()).isZero();
        assertThat(o.restS()).isEqualTo(5);
    }

    @Test
    void usersHoldAtMostTheirSocketLimitAndAllTheirSocketsShareOneGroup() {
        ConnectionsOptions o = parse("--count", "45", "--per-user", "20", "--groups", "2");
        assertThat(o.users()).isEqualTo(3);
        assertThat(o.userOf(0)).isZero();
        assertThat(o.userOf(19)).isZero();
        assertThat(o.userOf(20)).isEqualTo(1);
        assertThat(o.userOf(44)).isEqualTo(2);
        assertThat(o.groupOfUser(0)).isZero();
        assertThat(o.groupOfUser(1)).isEqualTo(1);
        assertThat(o.groupOfUser(2)).isZero();
    }

    @Test
    void aStormNeedsASecondInstanceAndTheBalancer() {
        assertThat(parse("--storm", "--instances", "2").storm()).isTrue();
        assertThatThrownBy(() -> parse("--storm")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parse("--storm", "--instances", "2", "--direct"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownOptionsMissingValuesAndZeroCountsAreRefused() {
        assertThatThrownBy(() -> parse("--sockets", "5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parse("--count")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parse("--count", "0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConnectionsOptions.parse("--url", "http://x")).isInstanceOf(IllegalArgumentException.class);
    }
}
