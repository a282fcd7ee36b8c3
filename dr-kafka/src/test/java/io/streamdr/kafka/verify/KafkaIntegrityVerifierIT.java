package io.streamdr.kafka.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.testing.IntegrityVerifierContract;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedMirrorMaker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaIntegrityVerifierIT extends IntegrityVerifierContract {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();

  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  private static KafkaProducer<byte[], byte[]> eastProducer;
  private static KafkaProducer<byte[], byte[]> westProducer;

  private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafkaCluster c) {
    Map<String, Object> config = c.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterAll
  static void closeProducers() {
    if (eastProducer != null) {
      eastProducer.close();
      westProducer.close();
    }
  }

  private static EmbeddedKafkaCluster cluster(String side) {
    return side.equals("us-east-1") ? EAST : WEST;
  }

  @Override
  protected Sides sides() {
    if (eastProducer == null) {
      eastProducer = producer(EAST);
      westProducer = producer(WEST);
    }
    return new Sides() {
      @Override
      public String source() {
        return "us-east-1";
      }

      @Override
      public String target() {
        return "us-west-2";
      }

      @Override
      public void createTopic(String side, String topic, int partitions) {
        // the contract stamps records with fixed, old timestamps: keep the broker's retention from deleting them
        cluster(side).createTopic(topic, partitions, 1, Map.of("retention.ms", "-1"));
      }

      @Override
      public void append(String side, String topic, int partition, String key, String value, long timestamp) {
        try {
          (side.equals("us-east-1") ? eastProducer : westProducer).send(new ProducerRecord<>(topic, partition, timestamp,
              key == null ? null : key.getBytes(StandardCharsets.UTF_8), value == null ? null : value.getBytes(StandardCharsets.UTF_8))).get();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  @Override
  protected IntegrityVerifier verifier() {
    return new KafkaIntegrityVerifier(Map.of("us-east-1", EAST.clientConfig(), "us-west-2", WEST.clientConfig()));
  }

  @Test
  void data_replicated_by_mirror_maker_verifies_by_content_and_group_positions_are_checked_against_the_same_records()
      throws Exception {
    EAST.createTopic("payments", 2, 1, Map.of());
    Map<String, String> data = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      data.put("k" + i, "v" + i);
    }
    EAST.produce("payments", data);
    // MirrorMaker replicates the data but not the test's group: its offset translation is approximate by design
    // (EmbeddedMirrorMakerIT shows that); here the target positions are set exactly, then wrongly
    try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "us-east-1", WEST, "us-west-2").topics("payments")
        .groups("no-group-synced").build()) {
      mm.start();
      assertThat(WEST.read("us-east-1.payments", 300, Duration.ofSeconds(90))).hasSize(300);
      Map<TopicPartition, OffsetAndMetadata> source = Map.of(new TopicPartition("payments", 0), new OffsetAndMetadata(40),
          new TopicPartition("payments", 1), new OffsetAndMetadata(60));
      try (Admin east = EAST.admin(); Admin west = WEST.admin()) {
        east.alterConsumerGroupOffsets("ledger", source).all().get();
        // same records, same offsets: MirrorMaker copied each partition in order from offset 0
        west.alterConsumerGroupOffsets("ledger", Map.of(new TopicPartition("us-east-1.payments", 0), new OffsetAndMetadata(40),
            new TopicPartition("us-east-1.payments", 1), new OffsetAndMetadata(60))).all().get();
      }
      VerificationRequest request = VerificationRequest.builder("us-east-1", "us-west-2").topics("payments")
          .naming(ReplicationNaming.prefixed("us-east-1")).groups(List.of("ledger")).build();
      IntegrityReport report = verifier().verify(request);
      assertThat(report.passed()).as(report.toText()).isTrue();
      assertThat(report.partitions()).allSatisfy(p -> assertThat(p.sourceDigest()).isEqualTo(p.targetDigest()));

      try (Admin west = WEST.admin()) {
        west.alterConsumerGroupOffsets("ledger", Map.of(new TopicPartition("us-east-1.payments", 1), new OffsetAndMetadata(65))).all().get();
      }
      IntegrityReport ahead = verifier().verify(request);
      assertThat(ahead.discrepancies()).singleElement().satisfies(d -> {
        assertThat(d.kind()).isEqualTo(Discrepancy.Kind.GROUP_OFFSET);
        assertThat(d.partition()).isEqualTo(1);
        assertThat(d.detail()).contains("ahead on the target by 5").contains("skip");
      });

      // a record written only on the target, between two replicated ones, is found and located
      long intruderOffset;
      try (KafkaProducer<byte[], byte[]> p = producer(WEST); KafkaProducer<byte[], byte[]> e = producer(EAST)) {
        intruderOffset = p.send(new ProducerRecord<>("us-east-1.payments", 0, b("intruder"), b("not replicated"))).get().offset();
        e.send(new ProducerRecord<>("payments", 0, b("k-last"), b("v-last"))).get();
      }
      assertThat(WEST.read("us-east-1.payments", 302, Duration.ofSeconds(60))).hasSize(302);
      IntegrityReport tampered = verifier().verify(VerificationRequest.builder("us-east-1", "us-west-2").topics("payments")
          .naming(ReplicationNaming.prefixed("us-east-1")).build());
      assertThat(tampered.verdict()).isEqualTo(IntegrityReport.Verdict.FAILED);
      assertThat(tampered.discrepancies()).singleElement().satisfies(d -> {
        assertThat(d.kind()).isEqualTo(Discrepancy.Kind.EXTRA);
        assertThat(d.partition()).isZero();
        assertThat(d.targetOffset()).isEqualTo(intruderOffset);
      });
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void many_partitions_verify_in_parallel_and_one_altered_record_among_thousands_is_located() throws Exception {
    Sides s = sides();
    s.createTopic("us-east-1", "wide", 8);
    s.createTopic("us-west-2", "wide", 8);
    List<java.util.concurrent.Future<?>> acks = new java.util.ArrayList<>();
    try (KafkaProducer<byte[], byte[]> e = producer(EAST); KafkaProducer<byte[], byte[]> w = producer(WEST)) {
      for (int i = 0; i < 4000; i++) {
        int p = i % 8;
        acks.add(e.send(new ProducerRecord<>("wide", p, (long) i, b("k" + i), b("v" + i))));
        acks.add(w.send(new ProducerRecord<>("wide", p, (long) i, b("k" + i), b(i == 2221 ? "tampered" : "v" + i))));
      }
    }
    for (var ack : acks) {
      ack.get(); // every record acknowledged on both sides: the only difference is the one altered value
    }
    List<io.streamdr.core.progress.Progress> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    IntegrityReport report = ((KafkaIntegrityVerifier) verifier()).progress(progress::add).verify(VerificationRequest.builder("us-east-1", "us-west-2")
        .topics("wide").build());
    assertThat(report.partitions()).hasSize(8);
    assertThat(progress).filteredOn(io.streamdr.core.progress.Progress::done).singleElement().satisfies(last -> {
      assertThat(last.operation()).isEqualTo("verify");
      assertThat(last.records()).isEqualTo(4000);
      assertThat(last.totalRecords()).isEqualTo(4000);
      assertThat(last.partitionsDone()).isEqualTo(8);
      assertThat(last.partitions()).isEqualTo(8);
    });
    assertThat(report.discrepancies()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(Discrepancy.Kind.ALTERED);
      assertThat(d.partition()).isEqualTo(2221 % 8);
      assertThat(d.sourceOffset()).isEqualTo(2221 / 8);
    });
  }

  @Test
  void the_verifier_reads_through_the_given_client_factory_read_committed_and_outside_any_group() {
    createAndFill("factory", 10);
    List<Map<String, Object>> consumers = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger admins = new java.util.concurrent.atomic.AtomicInteger();
    KafkaClientFactory counting = new KafkaClientFactory() {
      @Override
      public Admin admin(Map<String, Object> config) {
        admins.incrementAndGet();
        return KafkaClientFactory.super.admin(config);
      }

      @Override
      public <K, V> Consumer<K, V> consumer(Map<String, Object> config, Deserializer<K> keys, Deserializer<V> values) {
        consumers.add(Map.copyOf(config));
        return KafkaClientFactory.super.consumer(config, keys, values);
      }
    };
    IntegrityReport report = new KafkaIntegrityVerifier(Map.of("us-east-1", EAST.clientConfig(), "us-west-2", WEST.clientConfig()))
        .clients(counting).verify(VerificationRequest.builder("us-east-1", "us-west-2").topics("factory").build());
    assertThat(report.passed()).as(report.toText()).isTrue();
    assertThat(admins.get()).as("one admin client per cluster").isEqualTo(2);
    assertThat(consumers).as("planning and reading, on both sides").hasSizeGreaterThanOrEqualTo(4)
        .allSatisfy(c -> assertThat(c).containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
            .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG));
  }

  @Test
  void a_cut_off_timestamp_leaves_later_source_records_out_of_the_comparison() {
    createAndFill("cutoff", 10);
    EAST.produce("cutoff", Map.of("late", "written after the cut"));
    IntegrityReport report = verifier().verify(VerificationRequest.builder("us-east-1", "us-west-2").topics("cutoff")
        .cutoff(java.time.Instant.ofEpochMilli(1_000 + 9)).build());
    assertThat(report.passed()).as(report.toText()).isTrue();
    assertThat(report.partitions().get(0).sourceRecords()).isEqualTo(10);
  }

  private void createAndFill(String topic, int n) {
    Sides s = sides();
    s.createTopic("us-east-1", topic, 1);
    s.createTopic("us-west-2", topic, 1);
    for (int i = 0; i < n; i++) {
      s.append("us-east-1", topic, 0, "k" + i, "v" + i, 1_000 + i);
      s.append("us-west-2", topic, 0, "k" + i, "v" + i, 1_000 + i);
    }
  }
}
