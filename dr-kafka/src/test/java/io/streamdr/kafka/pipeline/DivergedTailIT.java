package io.streamdr.kafka.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The primary's diverged tail is found by content, reported, exported and replayed once into the secondary. */
class DivergedTailIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  private static ProducerRecord<byte[], byte[]> order(String topic, int partition, int i) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, T0.plusSeconds(i).toEpochMilli(),
        i % 5 == 0 ? null : ("k" + i).getBytes(StandardCharsets.UTF_8), ("order-" + (i % 17 == 16 ? 0 : i)).getBytes(StandardCharsets.UTF_8));
    r.headers().add("trace", ("t" + i).getBytes(StandardCharsets.UTF_8));
    return r;
  }

  private static void send(EmbeddedKafkaCluster cluster, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(cluster.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (var r : records) {
        p.send(r).get();
      }
    }
  }

  @Test
  void what_the_copy_lacked_at_the_switch_is_found_reported_exported_and_replayed_once() throws Exception {
    EAST.createTopic("orders", 2);
    WEST.createTopic("us-east-1.orders", 2);
    WEST.createTopic("orders", 2);
    List<ProducerRecord<byte[], byte[]>> acknowledged = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      acknowledged.add(order("orders", i % 2, i));
    }
    send(EAST, acknowledged);
    // replication carried the first 14 before the outage (into the copy's partitions as MirrorMaker 2 does)
    List<ProducerRecord<byte[], byte[]>> copied = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      copied.add(order("us-east-1.orders", i % 2, i));
    }
    send(WEST, copied);

    DivergedTail.CopySnapshot atSwitch = DivergedTail.snapshot(WEST.clientConfig(), List.of("orders"), t -> "us-east-1." + t, Duration.ofSeconds(30));
    assertThat(atSwitch.records("orders")).isEqualTo(14);
    DivergedTail.Found found = DivergedTail.find(EAST.clientConfig(), List.of("orders"), atSwitch, Duration.ofSeconds(30));

    DivergedTail.Report report = found.report();
    assertThat(report.records()).isEqualTo(6);
    assertThat(found.records()).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        // order 16 carries order 0's value, but its own key and headers: a record of its own
        .containsExactlyInAnyOrder("order-14", "order-15", "order-0", "order-17", "order-18", "order-19");
    assertThat(report.byTopicPartition()).containsEntry("orders-0", 3L).containsEntry("orders-1", 3L);
    assertThat(report.firstWritten()).contains(T0.plusSeconds(14));
    assertThat(report.lastWritten()).contains(T0.plusSeconds(19));
    assertThat(report.toString()).contains("6 diverged record(s)").contains("orders-0=3");

    InMemoryBackupTarget backups = new InMemoryBackupTarget();
    BackupKey key = found.export(backups, "failback-1");
    List<String> lines = new String(backups.readAll(key), StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(6).allSatisfy(l -> assertThat(l).contains("\"topic\":\"orders\"").contains("\"headers\":[{"));

    Map<String, Object> idempotent = new HashMap<>(WEST.clientConfig());
    idempotent.put("enable.idempotence", true);
    idempotent.put("acks", "all");
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(idempotent, new ByteArraySerializer(), new ByteArraySerializer())) {
      assertThat(found.replay(p, t -> t, Duration.ofSeconds(30))).isEqualTo(6);
    }
    List<ConsumerRecord<byte[], byte[]>> replayed = readAll(WEST, "orders");
    assertThat(replayed).hasSize(6);
    assertThat(replayed).allSatisfy(r -> {
      assertThat(new String(r.headers().lastHeader("trace").value(), StandardCharsets.UTF_8)).startsWith("t");
      assertThat(r.timestamp()).isGreaterThanOrEqualTo(T0.plusSeconds(14).toEpochMilli());
    });
    assertThat(replayed).filteredOn(r -> r.key() == null).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactly("order-15"); // sent without a key, replayed without one
    // what was replayed is the primary's records by content: only the 14 the copy held are not in the local topic
    assertThat(DivergedTail.find(EAST.clientConfig(), List.of("orders"), DivergedTail.snapshot(WEST.clientConfig(), List.of("orders"),
        t -> t, Duration.ofSeconds(30)), Duration.ofSeconds(30)).report().records()).isEqualTo(14);
  }

  @Test
  void what_replication_carried_after_the_switch_is_not_replayed_again() throws Exception {
    EAST.createTopic("payments", 2);
    WEST.createTopic("us-east-1.payments", 2);
    List<ProducerRecord<byte[], byte[]>> acknowledged = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      acknowledged.add(order("payments", i % 2, i));
    }
    send(EAST, acknowledged);
    List<ProducerRecord<byte[], byte[]>> copiedBefore = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      copiedBefore.add(order("us-east-1.payments", i % 2, i));
    }
    send(WEST, copiedBefore);
    DivergedTail.CopySnapshot atSwitch = DivergedTail.snapshot(WEST.clientConfig(), List.of("payments"), t -> "us-east-1." + t, Duration.ofSeconds(30));
    DivergedTail.Found tail = DivergedTail.find(EAST.clientConfig(), List.of("payments"), atSwitch, Duration.ofSeconds(30));
    assertThat(tail.records()).hasSize(4);
    // the primary back, replication resumes and carries two of the four before it is stopped again
    send(WEST, List.of(order("us-east-1.payments", 0, 8), order("us-east-1.payments", 1, 9)));

    DivergedTail.Found missing = tail.notYetCopied(WEST.clientConfig(), t -> "us-east-1." + t, Duration.ofSeconds(30));

    assertThat(missing.records()).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactlyInAnyOrder("order-10", "order-11");
    Map<String, Object> idempotent = new HashMap<>(WEST.clientConfig());
    idempotent.put("enable.idempotence", true);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(idempotent, new ByteArraySerializer(), new ByteArraySerializer())) {
      assertThat(missing.replay(p, t -> "us-east-1." + t, Duration.ofSeconds(30))).isEqualTo(2);
    }
    // each record of the tail is in the copy once now, and asking again finds nothing to replay
    assertThat(tail.notYetCopied(WEST.clientConfig(), t -> "us-east-1." + t, Duration.ofSeconds(30)).records()).isEmpty();
    assertThat(readAll(WEST, "us-east-1.payments")).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).doesNotHaveDuplicates().hasSize(12);
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafkaCluster cluster, String topic) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cluster.clientConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
