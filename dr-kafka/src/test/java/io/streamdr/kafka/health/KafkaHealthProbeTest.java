package io.streamdr.kafka.health;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaHealthProbeTest {
  @Test
  void a_cluster_expected_to_have_no_broker_is_refused_instead_of_counted_as_one() {
    assertThatThrownBy(() -> KafkaHealthProbe.builder("us-east-1", Map.of("bootstrap.servers", "east:9092"))
        .expectedBrokers(0)
        .timeout(Duration.ofSeconds(5))
        .build())
        .isInstanceOf(InvalidRequestException.class).hasMessage("expected brokers must be at least 1, was 0");
  }
}
