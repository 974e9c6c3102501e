package dev.chorus.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** The Kafka pipeline's consumer lag, added up over the instances' chorus_kafka_consumer_lag gauges (one per partition). */
final class KafkaLag {

    private KafkaLag() {
    }

    /** The sum over every instance's /metrics; -1 when one of them does not answer (unknown rather than wrong). */
    static long total(List<String> metricsUrls) throws InterruptedException {
        long total = 0;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            for (String url : metricsUrls) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        return -1;
                    }
                    total += sum(r.body());
                } catch (IOException e) {
                    return -1;
                }
            }
        }
        return total;
    }

    /** The sum of the chorus_kafka_consumer_lag samples of one Prometheus text exposition. */
    static long sum(String exposition) {
        long sum = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("chorus_kafka_consumer_lag{") || line.startsWith("chorus_kafka_consumer_lag ")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
