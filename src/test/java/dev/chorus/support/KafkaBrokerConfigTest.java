package dev.chorus.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaBrokerConfigTest {

    @Test
    void aSingleNodeKraftBrokerListensOnLoopbackOnlyAndKeepsOneReplicaOfItsOwnTopics() throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(KafkaBrokerConfig.serverProperties(Path.of("/tmp/k/data"), 29092, 29093)));
        assertThat(p.getProperty("process.roles")).isEqualTo("broker,controller");
        assertThat(p.getProperty("controller.quorum.voters")).isEqualTo("1@127.0.0.1:29093");
        assertThat(p.getProperty("listeners")).isEqualTo("PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093");
        assertThat(p.getProperty("advertised.listeners")).isEqualTo("PLAINTEXT://127.0.0.1:29092");
        assertThat(p.getProperty("log.dirs")).isEqualTo("/tmp/k/data");
        assertThat(p.getProperty("offsets.topic.replication.factor")).isEqualTo("1");
        assertThat(p.getProperty("transaction.state.log.replication.factor")).isEqualTo("1");
        assertThat(p.getProperty("group.initial.rebalance.delay.ms")).isEqualTo("0");
    }

    @Test
    void theBrokersOwnLogGoesToStandardOutput() throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(KafkaBrokerConfig.log4j()));
        assertThat(p.getProperty("rootLogger.level")).isEqualTo("INFO");
        assertThat(p.getProperty("appender.out.type")).isEqualTo("Console");
    }
}
