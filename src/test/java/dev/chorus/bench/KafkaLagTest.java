package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KafkaLagTest {

    @Test
    void addsUpThePartitionGaugesAndNothingElse() {
        String metrics = """
                # HELP chorus_kafka_consumer_lag records of this partition not yet read by its owner
                # TYPE chorus_kafka_consumer_lag gauge
                chorus_kafka_consumer_lag{instance="a",partition="0",topic="chorus.messages"} 12.0
                chorus_kafka_consumer_lag{instance="a",partition="3",topic="chorus.messages"} 30.0
                chorus_kafka_consumer_lag_other 99.0
                chorus_kafka_parked_total{instance="a"} 4.0
                """;
        assertThat(KafkaLag.sum(metrics)).isEqualTo(42);
        assertThat(KafkaLag.sum("")).isZero();
    }
}
