package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedMirrorMakerIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("east").build();

  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("west").build();

  @Test
  void replicates_topics_with_the_alias_prefix_and_checkpoints_group_offsets() throws Exception {
    EAST.createTopic("orders", 2);
    Map<String, String> data = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      data.put("k" + i, "v" + i);
    }
    EAST.produce("orders", data);
    // a group consumes 120 records on the source and commits, before MirrorMaker starts
    Map<String, Object> c = EAST.clientConfig();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
    consume(c, 120);
    try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "us-east-1", WEST, "us-west-2").topics("orders").build()) {
      mm.start();
      assertThat(mm.remoteTopic("orders")).isEqualTo("us-east-1.orders");
      assertThat(WEST.read("us-east-1.orders", 200, Duration.ofSeconds(90))).hasSize(200);
      // MirrorMaker 2 translates a position committed mid-backlog conservatively: never ahead (no record skipped),
      // possibly behind (records re-delivered)
      long midBacklog = awaitTranslated(l -> l > 0);
      assertThat(midBacklog).isBetween(1L, committed());
      // once the group reaches the end while MirrorMaker runs, translation is exact
      consume(c, (int) (200 - committed()));
      long atEnd = committed();
      assertThat(atEnd).isEqualTo(200);
      assertThat(awaitTranslated(l -> l == atEnd)).isEqualTo(200);
      assertThat(mm.connectorState("MirrorSourceConnector")).isEqualTo("RUNNING");
    }
  }

  private static void consume(Map<String, Object> config, int count) {
    int consumed = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("orders"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (consumed < count && System.nanoTime() < deadline) {
        consumed += consumer.poll(Duration.ofMillis(200)).count();
      }
      consumer.commitSync();
    }
    assertThat(consumed).isGreaterThanOrEqualTo(count);
  }

  private static long committed() throws Exception {
    try (var admin = EAST.admin()) {
      return admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get().values().stream()
          .mapToLong(OffsetAndMetadata::offset).sum();
    }
  }

  /** Sum of the group's translated offsets on the target, once it satisfies the condition (or the last seen). */
  private static long awaitTranslated(java.util.function.LongPredicate condition) throws Exception {
    long sum = -1;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Map<TopicPartition, OffsetAndMetadata> translated =
          RemoteClusterUtils.translateOffsets(WEST.clientConfig(), "us-east-1", "billing", Duration.ofSeconds(10));
      assertThat(translated.keySet()).allMatch(tp -> tp.topic().equals("us-east-1.orders"));
      sum = translated.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
      if (condition.test(sum)) {
        return sum;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
    return sum;
  }

  @Test
  void the_identity_policy_keeps_topic_names() {
    EAST.createTopic("invoices", 1);
    EAST.produce("invoices", Map.of("a", "1", "b", "2", "c", "3"));
    try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "east", WEST, "west").topics("invoices")
        .policy(EmbeddedMirrorMaker.Policy.IDENTITY).build()) {
      mm.start();
      assertThat(mm.remoteTopic("invoices")).isEqualTo("invoices");
      assertThat(WEST.read("invoices", 3, Duration.ofSeconds(90))).extracting(r -> r.key()).containsExactlyInAnyOrder("a", "b", "c");
    }
  }
}
