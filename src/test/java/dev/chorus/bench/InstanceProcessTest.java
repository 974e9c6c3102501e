package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InstanceProcessTest {

    @Test
    void rssComesFromTheVmRssLineInKilobytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  524288 kB\nThreads:\t40\n";
        assertThat(InstanceProcess.rssBytes(status)).isEqualTo(524_288L * 1024);
    }

    @Test
    void cpuTicksAreUserPlusSystemEvenWhenTheCommandNameHasSpacesAndParentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 1500 250 0 0 20 0 40 0";
        assertThat(InstanceProcess.cpuTicks(stat)).isEqualTo(1750);
    }
}
