package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedKafkaClusterIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster SINGLE = EmbeddedKafkaCluster.builder().name("single").build();

  @RegisterExtension
  static final EmbeddedKafkaCluster TRIPLE = EmbeddedKafkaCluster.builder().name("triple").brokers(3)
      .brokerProperty("min.insync.replicas", "2").build();

  private static Map<String, String> records(String prefix, int n) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(prefix + i, "value-" + i);
    }
    return m;
  }

  private static KafkaProducer<String, String> strictProducer(EmbeddedKafkaCluster kafka) {
    Map<String, Object> c = kafka.clientConfig();
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6000);
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000);
    return new KafkaProducer<>(c, new StringSerializer(), new StringSerializer());
  }

  @Test
  void produces_and_consumes_on_loopback() {
    SINGLE.createTopic("orders", 3);
    SINGLE.produce("orders", records("k", 100));
    assertThat(SINGLE.bootstrapServers()).startsWith("localhost:");
    assertThat(SINGLE.read("orders", 100, Duration.ofSeconds(30))).hasSize(100);
  }

  @Test
  void a_region_outage_makes_the_cluster_unreachable_and_restart_brings_it_back_with_its_data() throws Exception {
    SINGLE.createTopic("payments", 2);
    SINGLE.produce("payments", records("before-", 20));
    String bootstrap = SINGLE.bootstrapServers();
    SINGLE.stop();
    assertThat(SINGLE.isDown()).isTrue();
    try (KafkaProducer<String, String> p = strictProducer(SINGLE)) {
      assertThatThrownBy(() -> p.send(new ProducerRecord<>("payments", "k", "during-outage")).get(20, TimeUnit.SECONDS))
          .isInstanceOfAny(ExecutionException.class, org.apache.kafka.common.errors.TimeoutException.class);
    }
    SINGLE.restart();
    assertThat(SINGLE.bootstrapServers()).isEqualTo(bootstrap);
    SINGLE.produce("payments", records("after-", 5));
    assertThat(SINGLE.read("payments", 25, Duration.ofSeconds(30)))
        .extracting(r -> r.key()).contains("before-0", "before-19", "after-4").hasSize(25);
  }

  @Test
  void one_broker_down_of_three_with_rf3_and_min_isr2_loses_no_acknowledged_record() throws Exception {
    TRIPLE.createTopic("ledger", 3, 3, Map.of("min.insync.replicas", "2"));
    int acked = 0;
    int victim = TRIPLE.brokerIds().iterator().next();
    try (KafkaProducer<String, String> p = strictProducer(TRIPLE)) {
      for (int i = 0; i < 50; i++, acked++) {
        p.send(new ProducerRecord<>("ledger", "k" + i, "v" + i)).get(20, TimeUnit.SECONDS);
      }
      TRIPLE.stopBroker(victim);
      for (int i = 50; i < 150; i++, acked++) {
        p.send(new ProducerRecord<>("ledger", "k" + i, "v" + i)).get(20, TimeUnit.SECONDS);
      }
    } finally {
      TRIPLE.startBroker(victim);
    }
    assertThat(TRIPLE.read("ledger", acked, Duration.ofSeconds(30))).hasSize(acked);
  }
}
