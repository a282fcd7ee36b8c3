package io.streamdr.kafka.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.failover.Metrics;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.kafka.health.ConsumerLagProbe;
import io.streamdr.testing.MutableClock;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedMirrorMaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ReplicationMonitoringIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  private static Map<String, String> records(String prefix, int n) {
    Map<String, String> data = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      data.put(prefix + i, "value-" + prefix + i);
    }
    return data;
  }

  @Test
  void mirror_maker_lag_is_zero_when_caught_up_and_counts_exactly_what_was_written_since_replication_stopped() {
    EAST.createTopic("ledger", 2);
    EAST.produce("ledger", records("a", 300));
    try (MirrorMakerReplicationProbe probe = MirrorMakerReplicationProbe.builder("us-east-1", EAST.clientConfig(), WEST.clientConfig())
        .naming(ReplicationNaming.prefixed("us-east-1"))
        .topics(List.of("ledger"))
        .timeout(Duration.ofSeconds(5))
        .build()) {
      // before MirrorMaker runs, the replica does not exist
      HealthSignal missing = probe.probe();
      assertThat(missing.status()).isEqualTo(HealthSignal.Status.DEGRADED);
      assertThat(missing.detail()).contains("not replicated at all: [ledger]");
      assertThat(missing.metrics()).as("a topic missing from the other region has all its records behind")
          .containsEntry(Metrics.REPLICATION_LAG_RECORDS, 300.0);
      assertThat(missing.metrics().get(Metrics.REPLICATION_LAG_SECONDS)).isGreaterThanOrEqualTo(0.0);

      commit("ledger", "auditors"); // a group for MirrorMaker to checkpoint
      try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "us-east-1", WEST, "us-west-2").topics("ledger").build()) {
        mm.start();
        MirrorMakerReplicationProbe.ReplicationLag caughtUp = await().atMost(Duration.ofSeconds(90))
            .until(probe::lag, l -> l.missingTopics().isEmpty() && l.totalRecords() == 0 && l.checkpointAge().isPresent());
        assertThat(caughtUp.partitions()).hasSize(2).allSatisfy(p -> {
          assertThat(p.exact()).isTrue();
          assertThat(p.replicatedTo()).isEqualTo(p.sourceEnd());
          assertThat(p.age()).isZero();
        });
        assertThat(caughtUp.checkpointAge().orElseThrow()).isLessThan(Duration.ofSeconds(60));
      }
      // replication stops; 50 more records are written in the source
      Instant before = Instant.now();
      EAST.produce("ledger", records("b", 50));
      MirrorMakerReplicationProbe.ReplicationLag lag = probe.lag();
      assertThat(lag.totalRecords()).isEqualTo(50);
      assertThat(lag.partitions()).allMatch(MirrorMakerReplicationProbe.PartitionLag::exact);
      assertThat(lag.maxAge()).isPositive().isLessThanOrEqualTo(Duration.between(before, Instant.now()).plusSeconds(1));

      HealthSignal signal = probe.probe();
      assertThat(signal.metrics()).containsEntry(Metrics.REPLICATION_LAG_RECORDS, 50.0);
      assertThat(signal.detail()).contains("50 records not yet replicated from us-east-1");
    }
    // waiting for a replication that stopped: measured every 250 ms of the probe's clock until its timeout, then the lag
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T07:00:00Z"));
    List<Duration> pauses = new ArrayList<>();
    try (MirrorMakerReplicationProbe waiting = MirrorMakerReplicationProbe.builder("us-east-1", EAST.clientConfig(), WEST.clientConfig())
        .topics(List.of("ledger")).timeout(Duration.ofSeconds(5)).clock(clock).sleeper(d -> {
          pauses.add(d);
          clock.advance(d);
        }).build()) {
      assertThat(waiting.awaitCaughtUp(Duration.ofSeconds(10)).totalRecords()).isEqualTo(50);
    }
    assertThat(pauses).hasSize(40).containsOnly(Duration.ofMillis(250));
  }

  private static void commit(String topic, String group) {
    Map<String, Object> c = EAST.clientConfig();
    c.put("group.id", group);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
      consumer.endOffsets(tps).forEach((tp, end) -> commit.put(tp, new OffsetAndMetadata(end)));
      consumer.commitSync(commit);
    }
  }

  @Test
  void consumer_lag_is_end_minus_committed_and_breaches_the_policy_above_its_threshold() {
    EAST.createTopic("claims", 3);
    EAST.produce("claims", records("c", 350));
    Map<String, Object> c = EAST.clientConfig();
    c.put("group.id", "adjusters");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = List.of(new TopicPartition("claims", 0), new TopicPartition("claims", 1), new TopicPartition("claims", 2));
      consumer.assign(tps);
      Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
      tps.forEach(tp -> commit.put(tp, new OffsetAndMetadata(ends.get(tp) / 2)));
      consumer.commitSync(commit);
      long expected = tps.stream().mapToLong(tp -> ends.get(tp) - ends.get(tp) / 2).sum();

      try (ConsumerLagProbe probe = ConsumerLagProbe.builder("us-east-1", EAST.clientConfig(), "adjusters")
          .timeout(Duration.ofSeconds(5))
          .build()) {
        HealthSignal signal = probe.probe();
        assertThat(signal.metrics()).containsEntry(Metrics.CONSUMER_LAG, (double) expected);
        assertThat(signal.detail()).contains("lags " + expected + " records").contains("'claims'");
        assertThat(FailoverPolicy.defaults().toBuilder().maxConsumerLag(expected - 1).build().breaches(List.of(signal)))
            .extracting(FailoverPolicy.Breach::trigger).containsExactly(FailoverPolicy.Trigger.CONSUMER_LAG);
        assertThat(FailoverPolicy.defaults().breaches(List.of(signal))).isEmpty(); // the DR guide's 10,000
      }
      try (ConsumerLagProbe none = ConsumerLagProbe.builder("us-east-1", EAST.clientConfig(), "nobody")
          .timeout(Duration.ofSeconds(5))
          .build()) {
        assertThat(none.probe().status()).isEqualTo(HealthSignal.Status.UNKNOWN);
      }
    }
  }
}
