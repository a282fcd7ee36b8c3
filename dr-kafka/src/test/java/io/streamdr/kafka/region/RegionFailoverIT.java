package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamdr.core.failover.AlertSink;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedMirrorMaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Continuous traffic through the region-aware producer and consumer while the primary region's Kafka cluster is
 * stopped for real and the {@link FailoverMonitor} fails over; then the primary returns and the clients fail back.
 * MirrorMaker 2 replicates us-east-1 → us-west-2 with its default naming ({@code us-east-1.payments}).
 */
class RegionFailoverIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  private static RegionTopology topology() {
    return RegionTopology.of(Region.of("us-east-1", EAST.bootstrapServers()), Region.of("us-west-2", WEST.bootstrapServers()));
  }

  @Test
  void continuous_traffic_survives_a_primary_outage_and_a_failback_without_losing_an_acknowledged_record() throws Exception {
    String topic = "payments";
    EAST.createTopic(topic, 3);
    WEST.createTopic(topic, 3); // where producers write in us-west-2 after a failover
    RegionTopology topology = topology();
    KafkaActiveRegionStore store = KafkaActiveRegionStore.builder(topology.region("us-west-2"))
        .copiesIn(topology.region("us-east-1")).topic("active-region-failover").timeout(Duration.ofSeconds(3)).build();
    DefaultRegionRouter router = new DefaultRegionRouter(topology, store);
    List<AlertSink.Alert> alerts = new CopyOnWriteArrayList<>();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "us-east-1", WEST, "us-west-2").topics(topic)
             .groups("billing").build();
         KafkaHealthProbe probe = KafkaHealthProbe.builder("us-east-1", EAST.clientConfig())
             .timeout(Duration.ofMillis(500))
             .build();
         Traffic traffic = new Traffic(router, topic, "billing", TopicMapping.prefixed(topology), Duration.ofMillis(2))) {
      mm.start();
      FailoverMonitor monitor = FailoverMonitor.builder(router,
              FailoverPolicy.defaults().toBuilder().unreachableFor(Duration.ofSeconds(2)).build(),
              () -> List.of(probe), topology::secondaryRegion)
          .alerts(alerts::add).executor(scheduler).interval(Duration.ofMillis(200)).build();
      monitor.start();

      // steady state: records flow in us-east-1 and are replicated
      await().atMost(Duration.ofSeconds(90)).until(() -> traffic.deliveredFrom("us-east-1") >= 1_500
          && WEST.read("us-east-1." + topic, 1_000, Duration.ofSeconds(1)).size() >= 1_000);

      Instant outage = Instant.now();
      EAST.stop();
      FailoverMonitor.Decision decision = await().atMost(Duration.ofSeconds(60))
          .until(monitor::decision, d -> d.isPresent()).orElseThrow();
      assertThat(decision.to().name()).isEqualTo("us-west-2");
      assertThat(decision.trigger()).isEqualTo(FailoverPolicy.Trigger.PRIMARY_UNREACHABLE);

      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredFrom("us-west-2") >= 1_000);
      Instant decided = decision.decidedAt();
      Instant firstAck = traffic.acked.values().stream().filter(t -> t.isAfter(decided)).min(Instant::compareTo).orElseThrow();
      String firstAcked = traffic.acked.entrySet().stream().filter(e -> e.getValue().equals(firstAck)).findFirst().orElseThrow().getKey();
      Instant firstSendAfter = traffic.sentAt.values().stream().filter(t -> t.isAfter(decided)).min(Instant::compareTo).orElseThrow();
      System.out.printf("[TIMING] first send after the decision +%d ms; first ack +%d ms was of %s, sent at +%d ms%n",
          Duration.between(decided, firstSendAfter).toMillis(), Duration.between(decided, firstAck).toMillis(), firstAcked,
          Duration.between(decided, traffic.sentAt.get(firstAcked)).toMillis());
      Instant firstConsume = traffic.delivered.stream().filter(d -> d.region().equals("us-west-2")).map(Traffic.Delivery::at)
          .min(Instant::compareTo).orElseThrow();
      long redeliveredAtFailover = traffic.consumer.redeliveredRecords();

      // acknowledged in us-east-1 before the outage but not replicated: not lost, still in us-east-1 (the RPO)
      traffic.stopProducing();
      Set<String> ackedBeforeFailback = new HashSet<>(traffic.acked.keySet());
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredValues().containsAll(
          ackedBeforeFailback.stream().filter(v -> traffic.acked.get(v).isAfter(decided)).toList()));
      Set<String> notReplicated = new HashSet<>(ackedBeforeFailback);
      notReplicated.removeAll(traffic.deliveredValues());

      // the primary returns; replication catches up; clients fail back and keep going
      EAST.restart();
      Instant failback = Instant.now();
      router.failback("us-east-1 restored");
      traffic.resumeProducing();
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.acked.values().stream().filter(t -> t.isAfter(failback)).count() >= 500);
      traffic.stopProducing();
      Set<String> ackedAll = new HashSet<>(traffic.acked.keySet());
      await().atMost(Duration.ofSeconds(90)).until(() -> traffic.deliveredValues().containsAll(ackedAll));

      // every acknowledged record was delivered; nothing failed silently
      assertThat(traffic.crash()).isNull();
      assertThat(traffic.deliveredValues()).containsAll(ackedAll);
      assertThat(traffic.failed).as("records that failed for the application").isEmpty();
      assertThat(traffic.producer.region().name()).isEqualTo("us-east-1");
      assertThat(traffic.consumer.region().name()).isEqualTo("us-east-1");
      assertThat(traffic.consumer.switches()).hasSize(2);
      assertThat(traffic.producer.switches()).hasSize(2);

      // duplicates, by cause: re-deliveries of processed records are exactly what the consumer reported
      Map<String, List<Traffic.Delivery>> byValue = traffic.delivered.stream().collect(Collectors.groupingBy(Traffic.Delivery::value));
      long duplicates = byValue.values().stream().mapToLong(l -> l.size() - 1).sum();
      long resentDuplicates = byValue.values().stream().filter(l -> l.size() > 1)
          .filter(l -> l.stream().anyMatch(d -> d.region().equals("us-west-2") && d.topic().equals(topic))).count();
      assertThat(traffic.consumer.redeliveredRecords()).isEqualTo(duplicates - resentDuplicates);
      assertThat(resentDuplicates).isLessThanOrEqualTo(traffic.producer.resentRecords());

      System.out.printf("[RESULT] sent=%d acked=%d delivered=%d duplicates=%d (consumer re-deliveries %d at failover, %d in all;"
              + " producer re-sends %d, of which duplicated %d) acked-not-replicated-at-outage=%d detection=%d ms"
              + " decision-to-first-produce=%d ms decision-to-first-consume=%d ms consumer-switch=%s producer-switch=%s%n",
          traffic.sent(), ackedAll.size(), traffic.delivered.size(), duplicates, redeliveredAtFailover,
          traffic.consumer.redeliveredRecords(), traffic.producer.resentRecords(), resentDuplicates, notReplicated.size(),
          Duration.between(outage, decision.detectedAt()).toMillis(), Duration.between(decided, firstAck).toMillis(),
          Duration.between(decided, firstConsume).toMillis(),
          traffic.consumer.switches().stream().map(s -> s.took().toMillis() + " ms " + methods(s)).toList(),
          traffic.producer.switches().stream().map(s -> s.buildTime().toMillis() + " ms").toList());
      assertThat(alerts).extracting(AlertSink.Alert::severity).contains("WARNING", "CRITICAL");
      monitor.close();
    } finally {
      scheduler.shutdownNow();
      store.close();
      if (EAST.isDown()) {
        EAST.restart();
      }
    }
  }

  @Test
  void a_failback_under_traffic_delivers_every_record_the_secondary_acknowledged() throws Exception {
    // no replication us-west-2 -> us-east-1: what us-west-2 acknowledged stays in us-west-2 and must be read there
    String topic = "orders-failback";
    EAST.createTopic(topic, 6);
    WEST.createTopic(topic, 6);
    RegionTopology topology = topology();
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new io.streamdr.core.fake.InMemoryActiveRegionStore());
    router.failover(topology.region("us-west-2"), "us-east-1 under maintenance");
    // the application works 50 ms on each batch: at the switch, what us-west-2 acknowledged meanwhile is not read yet
    try (Traffic traffic = new Traffic(router, topic, "failback", TopicMapping.prefixed(topology), Duration.ofMillis(2),
        Duration.ofMillis(50))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredFrom("us-west-2") >= 1_000);
      Instant failback = Instant.now();
      router.failback("us-east-1 back");
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.acked.values().stream().filter(t -> t.isAfter(failback)).count() >= 1_000
          && traffic.deliveredFrom("us-east-1") >= 500);
      traffic.stopProducing();
      Set<String> acked = new HashSet<>(traffic.acked.keySet());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!traffic.deliveredValues().containsAll(acked) && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      }
      Set<String> missing = new HashSet<>(acked);
      missing.removeAll(traffic.deliveredValues());
      assertThat(traffic.crash()).isNull();
      assertThat(missing).as("acknowledged (%d in all) but never delivered", acked.size()).isEmpty();
      assertThat(traffic.failed).isEmpty();
      assertThat(traffic.consumer.region().name()).isEqualTo("us-east-1");
      long duplicates = traffic.delivered.size() - traffic.deliveredValues().size();
      System.out.printf("[FAILBACK] %d acknowledged, all delivered, %d delivered twice, consumer re-deliveries counted %d%n",
          acked.size(), duplicates, traffic.consumer.redeliveredRecords());
    }
  }

  @Test
  void an_outage_shorter_than_the_threshold_is_a_blip_no_failover_and_no_loss() throws Exception {
    String topic = "invoices";
    EAST.createTopic(topic, 2);
    RegionTopology topology = topology();
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new io.streamdr.core.fake.InMemoryActiveRegionStore());
    List<AlertSink.Alert> alerts = new CopyOnWriteArrayList<>();
    try (KafkaHealthProbe probe = KafkaHealthProbe.builder("us-east-1", EAST.clientConfig())
        .timeout(Duration.ofMillis(500))
        .build();
         Traffic traffic = new Traffic(router, topic, "audit", TopicMapping.identity(), Duration.ofMillis(5))) {
      FailoverMonitor monitor = FailoverMonitor.builder(router,
              FailoverPolicy.defaults().toBuilder().unreachableFor(Duration.ofSeconds(30)).build(),
              () -> List.of(probe), topology::secondaryRegion).alerts(alerts::add).build();
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredFrom("us-east-1") >= 200);
      EAST.stop();
      // the monitor sees the outage (and warns) ...
      await().atMost(Duration.ofSeconds(30)).until(() -> monitor.evaluateOnce().isEmpty() && !alerts.isEmpty());
      EAST.restart();
      // ... and forgets it once the cluster answers again, well before its 30 s threshold
      await().atMost(Duration.ofSeconds(30)).until(() -> monitor.evaluateOnce().isEmpty() && probe.probe().healthy());
      assertThat(monitor.decision()).isEmpty();
      assertThat(router.active().name()).isEqualTo("us-east-1");
      assertThat(router.epoch()).isEqualTo(1);

      traffic.stopProducing();
      Set<String> acked = new HashSet<>(traffic.acked.keySet());
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredValues().containsAll(acked));
      assertThat(traffic.failed).isEmpty();
      assertThat(traffic.producer.switches()).isEmpty();
      assertThat(traffic.consumer.switches()).isEmpty();
      assertThat(alerts).extracting(AlertSink.Alert::severity).containsOnly("WARNING");
    } finally {
      if (EAST.isDown()) {
        EAST.restart();
      }
    }
  }

  @Test
  void a_consumer_with_a_position_but_nothing_processed_resumes_at_its_groups_checkpoint_and_skips_nothing() throws Exception {
    String topic = "ledger";
    EAST.createTopic(topic, 2);
    EAST.produce(topic, numbered(400));
    try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "us-east-1", WEST, "us-west-2").topics(topic)
        .groups("ledger-readers").build()) {
      mm.start();
      assertThat(WEST.read("us-east-1." + topic, 400, Duration.ofSeconds(60))).hasSize(400);
      Map<org.apache.kafka.common.TopicPartition, Long> committed = commitHalfway(topic, "ledger-readers");
      // MirrorMaker checkpoints a partition only once it has an offset sync at or before the committed offset
      await().atMost(Duration.ofSeconds(60)).until(() -> !org.apache.kafka.connect.mirror.RemoteClusterUtils.translateOffsets(
          WEST.clientConfig(), "us-east-1", "ledger-readers", Duration.ofSeconds(5)).isEmpty());

      RegionTopology topology = topology();
      DefaultRegionRouter router = new DefaultRegionRouter(topology, new io.streamdr.core.fake.InMemoryActiveRegionStore());
      try (RegionAwareConsumer<String, String> consumer = consumer(router, "ledger-readers", TopicMapping.prefixed(topology),
          OffsetTranslator.mirrorMakerDefault())) {
        consumer.assign(committed.keySet());
        committed.forEach(consumer::seek); // resumed from its committed offsets, has read nothing yet
        router.failover(topology.region("us-west-2"), "planned switch");
        Set<String> unread = unread(topic, committed);
        Set<String> delivered = pollUntil(consumer, unread);

        RegionAwareConsumer.ConsumerSwitch sw = consumer.switches().get(0);
        // checkpointed partitions resume at their checkpoint, the others (no checkpoint yet) at the start
        assertThat(sw.positions().values()).extracting(Translation::method).contains(Translation.Method.CHECKPOINT)
            .isSubsetOf(Translation.Method.CHECKPOINT, Translation.Method.EARLIEST);
        // MirrorMaker copies without gaps here, so copy offsets equal source offsets: never after the committed one
        committed.forEach((tp, offset) -> assertThat(sw.positions()
            .get(new org.apache.kafka.common.TopicPartition("us-east-1." + topic, tp.partition())).offset()).isLessThanOrEqualTo(offset));
        assertThat(delivered).containsAll(unread);
        assertThat(consumer.assignment()).allMatch(tp -> tp.topic().equals("us-east-1." + topic));
      }
    }
  }

  @Test
  void an_offset_preserving_copy_resumes_at_the_same_offsets_with_nothing_delivered_twice() throws Exception {
    String topic = "refunds";
    EAST.createTopic(topic, 2);
    EAST.produce(topic, numbered(300));
    try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "us-east-1", WEST, "us-west-2").topics(topic)
        .policy(EmbeddedMirrorMaker.Policy.IDENTITY).build()) {
      mm.start();
      assertThat(WEST.read(topic, 300, Duration.ofSeconds(60))).hasSize(300);
      RegionTopology topology = topology();
      DefaultRegionRouter router = new DefaultRegionRouter(topology, new io.streamdr.core.fake.InMemoryActiveRegionStore());
      try (RegionAwareConsumer<String, String> consumer = consumer(router, "refund-readers", TopicMapping.identity(),
          OffsetTranslator.identity())) {
        consumer.subscribe(List.of(topic));
        List<String> values = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
          return values.size() >= 120;
        });
        router.failover(topology.region("us-west-2"), "planned switch");
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
          return new HashSet<>(values).size() >= 300;
        });
        assertThat(consumer.region().name()).isEqualTo("us-west-2");
        assertThat(consumer.switches().get(0).positions().values()).extracting(Translation::method)
            .containsOnly(Translation.Method.IDENTITY);
        assertThat(values).hasSize(300).doesNotHaveDuplicates();
        assertThat(consumer.redeliveredRecords()).isZero();
      }
    }
  }

  /** Records k0=v0 … k(n-1)=v(n-1). */
  private static Map<String, String> numbered(int n) {
    Map<String, String> data = new java.util.LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      data.put("k" + i, "v" + i);
    }
    return data;
  }

  private static RegionAwareConsumer<String, String> consumer(DefaultRegionRouter router, String group, TopicMapping mapping,
      OffsetTranslator translator) {
    return RegionAwareConsumer.<String, String>builder(router, Map.of("group.id", group, "auto.offset.reset", "earliest",
            "enable.auto.commit", false, "max.poll.records", 40))
        .deserializers(org.apache.kafka.common.serialization.StringDeserializer::new,
            org.apache.kafka.common.serialization.StringDeserializer::new)
        .topicMapping(mapping).offsetTranslator(translator).build();
  }

  /** A plain consumer of the group reads part of each partition in us-east-1 and commits; returns the committed offsets. */
  private static Map<org.apache.kafka.common.TopicPartition, Long> commitHalfway(String topic, String group) {
    Map<String, Object> c = EAST.clientConfig();
    c.put("group.id", group);
    c.put("enable.auto.commit", false);
    Map<org.apache.kafka.common.TopicPartition, Long> committed = new HashMap<>();
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(c,
        new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.StringDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> tps = List.of(new org.apache.kafka.common.TopicPartition(topic, 0),
          new org.apache.kafka.common.TopicPartition(topic, 1));
      consumer.assign(tps);
      Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(tps);
      tps.forEach(tp -> committed.put(tp, ends.get(tp) / 2));
      consumer.commitSync(committed.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
          e -> new org.apache.kafka.clients.consumer.OffsetAndMetadata(e.getValue()))));
    }
    return committed;
  }

  /** Values at or after the committed offsets in us-east-1: what the group has not processed yet. */
  private static Set<String> unread(String topic, Map<org.apache.kafka.common.TopicPartition, Long> committed) {
    return EAST.read(topic, 400, Duration.ofSeconds(30)).stream()
        .filter(r -> r.offset() >= committed.get(new org.apache.kafka.common.TopicPartition(topic, r.partition())))
        .map(org.apache.kafka.clients.consumer.ConsumerRecord::value).collect(Collectors.toSet());
  }

  /** Polls until every expected value arrived (or a minute passed); returns all values delivered. */
  private static Set<String> pollUntil(RegionAwareConsumer<String, String> consumer, Set<String> expected) {
    Set<String> values = new HashSet<>();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        return values.containsAll(expected);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // the caller's assertion names what is missing
    }
    return values;
  }

  private static Map<Translation.Method, Long> methods(RegionAwareConsumer.ConsumerSwitch s) {
    Map<Translation.Method, Long> out = new HashMap<>();
    s.positions().values().forEach(t -> out.merge(t.method(), 1L, Long::sum));
    return out;
  }
}
