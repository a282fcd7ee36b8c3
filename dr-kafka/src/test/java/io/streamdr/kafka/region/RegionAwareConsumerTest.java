package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The consumer's switch rules, each pinned with Kafka's own {@link MockConsumer} per region (a real outage cannot
 * choose where a checkpoint lags): where it resumes, what it counts as delivered again, where it returns to, and
 * that the application's subscription follows it. {@code RegionFailoverIT} shows the same on real clusters.
 */
class RegionAwareConsumerTest {
  private static final TopicPartition ORDERS = new TopicPartition("orders", 0);
  private final RegionTopology topology = RegionTopology.of(Region.of("us-east-1", "east:9092"), Region.of("us-west-2", "west:9092"));
  private final DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
  private final Map<String, List<MockConsumer<String, String>>> built = new ConcurrentHashMap<>();
  /** What the translator answers, by region switched to. */
  private final Map<String, Translation> translations = new HashMap<>();
  /** The records each region's partition holds, offset by offset. */
  private final Map<String, List<ConsumerRecord<String, String>>> logs = new HashMap<>();

  private static ConsumerRecord<String, String> record(long offset, String value, long timestamp) {
    return new ConsumerRecord<>(ORDERS.topic(), ORDERS.partition(), offset, timestamp, TimestampType.CREATE_TIME, 0, 0,
        "k-" + value, value, new RecordHeaders(), Optional.empty());
  }

  private MockConsumer<String, String> mock(Region region) {
    MockConsumer<String, String> c = new MockConsumer<>("earliest");
    c.updatePartitions(ORDERS.topic(), List.of(new PartitionInfo(ORDERS.topic(), 0, Node.noNode(), new Node[0], new Node[0])));
    List<ConsumerRecord<String, String>> log = logs.getOrDefault(region.name(), List.of());
    long start = log.isEmpty() ? 0 : log.get(0).offset();
    c.updateBeginningOffsets(Map.of(ORDERS, start));
    c.updateEndOffsets(Map.of(ORDERS, log.isEmpty() ? 0 : log.get(log.size() - 1).offset() + 1));
    // the records become visible once the partition is assigned, from wherever the consumer was sought to
    c.schedulePollTask(() -> {
      if (c.assignment().isEmpty() && !c.subscription().isEmpty()) {
        c.rebalance(List.of(ORDERS));
      }
      log.forEach(c::addRecord);
    });
    built.computeIfAbsent(region.name(), r -> new ArrayList<>()).add(c);
    return c;
  }

  private RegionAwareConsumer<String, String> consumer() {
    return RegionAwareConsumer.<String, String>builder(router, Map.of("group.id", "billing"))
        .factory((region, config) -> {
          assertThat(config).containsEntry("bootstrap.servers", region.bootstrapServers()).containsEntry("group.id", "billing");
          return mock(region);
        })
        .topicMapping(TopicMapping.identity())
        .offsetTranslator(request -> {
          Translation t = translations.get(request.to().name());
          Map<TopicPartition, Translation> out = new HashMap<>();
          if (t != null) {
            request.positions().keySet().forEach(tp -> out.put(tp, t));
          }
          return out;
        })
        .drain(Duration.ZERO, Duration.ZERO) // every partition here is replicated: nothing to read to its end first
        .build();
  }

  private static List<String> values(Iterable<ConsumerRecord<String, String>> records) {
    List<String> out = new ArrayList<>();
    records.forEach(r -> out.add(r.value()));
    return out;
  }

  /** us-east-1 holds v0..v9; us-west-2 a copy of v6..v9 at offsets 6..9, then w10..w14 written there. */
  private void twoRegions() {
    List<ConsumerRecord<String, String>> east = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      east.add(record(i, "v" + i, 1_000 + i));
    }
    List<ConsumerRecord<String, String>> west = new ArrayList<>();
    for (int i = 6; i < 10; i++) {
      west.add(record(i, "v" + i, 1_000 + i));
    }
    for (int i = 10; i < 15; i++) {
      west.add(record(i, "w" + i, 2_000 + i));
    }
    logs.put("us-east-1", east);
    logs.put("us-west-2", west);
  }

  @Test
  void a_switch_resumes_where_the_translator_says_and_counts_exactly_the_records_it_delivers_again() {
    twoRegions();
    translations.put("us-west-2", new Translation(6, Translation.Method.CHECKPOINT)); // the checkpoint lags by 4
    try (RegionAwareConsumer<String, String> c = consumer()) {
      c.assign(List.of(ORDERS));
      assertThat(values(c.poll(Duration.ofMillis(10)))).hasSize(10).endsWith("v9");

      router.failover(topology.region("us-west-2"), "us-east-1 unreachable");
      List<String> after = values(c.poll(Duration.ofMillis(10)));

      assertThat(c.region().name()).isEqualTo("us-west-2");
      assertThat(after).as("resumed at the checkpoint: v6..v9 again, then what us-west-2 wrote")
          .containsExactly("v6", "v7", "v8", "v9", "w10", "w11", "w12", "w13", "w14");
      assertThat(c.redeliveredRecords()).as("the records processed before the switch and delivered again").isEqualTo(4);
      assertThat(c.switches()).singleElement().satisfies(s -> {
        assertThat(s.from()).isEqualTo("us-east-1");
        assertThat(s.to()).isEqualTo("us-west-2");
        assertThat(s.positions()).containsEntry(ORDERS, new Translation(6, Translation.Method.CHECKPOINT));
      });
      // closed in the background, so a slow close never holds up the switch
      org.awaitility.Awaitility.await("the consumer of the region left is closed").atMost(Duration.ofSeconds(10))
          .until(() -> built.get("us-east-1").get(0).closed());
    }
  }

  @Test
  void a_consumer_returning_before_anything_was_replicated_back_resumes_where_it_left_not_at_the_start() {
    twoRegions();
    translations.put("us-west-2", new Translation(10, Translation.Method.IDENTITY));
    // nothing replicates us-west-2 back: the translator finds nothing, and the start of the partition would re-read all
    try (RegionAwareConsumer<String, String> c = consumer()) {
      c.assign(List.of(ORDERS));
      assertThat(values(c.poll(Duration.ofMillis(10)))).hasSize(10);
      router.failover(topology.region("us-west-2"), "drill");
      assertThat(values(c.poll(Duration.ofMillis(10)))).startsWith("w10");

      router.failback("us-east-1 back");
      c.poll(Duration.ofMillis(10));

      assertThat(c.region().name()).isEqualTo("us-east-1");
      assertThat(c.switches()).hasSize(2);
      assertThat(c.switches().get(1).positions()).as("where it left us-east-1, known exactly")
          .containsEntry(ORDERS, new Translation(10, Translation.Method.WHERE_LEFT));
      assertThat(built.get("us-east-1")).hasSize(2);
      assertThat(built.get("us-east-1").get(1).position(ORDERS)).isEqualTo(10);
      assertThat(c.redeliveredRecords()).isZero();
    }
  }

  @Test
  void the_applications_subscription_follows_the_switch() {
    twoRegions();
    translations.put("us-west-2", new Translation(10, Translation.Method.IDENTITY));
    try (RegionAwareConsumer<String, String> c = consumer()) {
      c.subscribe(List.of(ORDERS.topic()));
      assertThat(values(c.poll(Duration.ofMillis(10)))).hasSize(10);

      router.failover(topology.region("us-west-2"), "drill");
      List<String> after = values(c.poll(Duration.ofMillis(10)));

      MockConsumer<String, String> west = built.get("us-west-2").get(0);
      assertThat(west.subscription()).containsExactly(ORDERS.topic());
      assertThat(c.subscription()).containsExactly(ORDERS.topic());
      assertThat(after).as("resumed at the translated offset once the partition was assigned").startsWith("w10");
    }
  }

  @Test
  void a_commit_made_after_a_switch_and_before_the_next_poll_is_dropped_not_sent_to_the_region_left() {
    twoRegions();
    translations.put("us-west-2", new Translation(10, Translation.Method.IDENTITY));
    try (RegionAwareConsumer<String, String> c = consumer()) {
      c.assign(List.of(ORDERS));
      c.poll(Duration.ofMillis(10));
      c.commitSync(Map.of(ORDERS, new OffsetAndMetadata(10)));
      MockConsumer<String, String> east = built.get("us-east-1").get(0);
      assertThat(east.committed(Set.of(ORDERS))).containsEntry(ORDERS, new OffsetAndMetadata(10));

      router.failover(topology.region("us-west-2"), "drill");
      c.commitSync(Map.of(ORDERS, new OffsetAndMetadata(7))); // offsets of us-east-1, arriving after the switch

      assertThat(east.committed(Set.of(ORDERS))).as("us-east-1's commit is where it was")
          .containsEntry(ORDERS, new OffsetAndMetadata(10));
      c.poll(Duration.ofMillis(10));
      c.commitSync(Map.of(ORDERS, new OffsetAndMetadata(12)));
      assertThat(built.get("us-west-2").get(0).committed(Set.of(ORDERS))).containsEntry(ORDERS, new OffsetAndMetadata(12));
    }
  }

  @Test
  void the_applications_own_wakeup_still_reaches_it_and_a_switch_does_not() {
    twoRegions();
    translations.put("us-west-2", new Translation(10, Translation.Method.IDENTITY));
    try (RegionAwareConsumer<String, String> c = consumer()) {
      c.assign(List.of(ORDERS));
      c.poll(Duration.ofMillis(10));
      router.failover(topology.region("us-west-2"), "drill"); // wakes the us-east-1 consumer up
      assertThat(values(c.poll(Duration.ofMillis(10)))).startsWith("w10");

      c.wakeup();
      assertThatThrownBy(() -> c.poll(Duration.ofMillis(10))).isInstanceOf(WakeupException.class);
      assertThat(c.region().name()).isEqualTo("us-west-2");
    }
  }

  @Test
  void a_partition_nothing_replicates_to_the_new_region_is_read_to_its_end_before_the_switch() {
    TopicPartition local = new TopicPartition("audit", 0); // exists in us-east-1 only
    MockConsumer<String, String> east = new MockConsumer<>("earliest");
    east.updatePartitions(local.topic(), List.of(new PartitionInfo(local.topic(), 0, Node.noNode(), new Node[0], new Node[0])));
    east.updateBeginningOffsets(Map.of(local, 0L));
    east.updateEndOffsets(Map.of(local, 2L));
    MockConsumer<String, String> west = new MockConsumer<>("earliest"); // knows no partition of "audit"
    west.updateBeginningOffsets(Map.of(local, 0L)); // MockConsumer needs one to poll a partition assigned by hand
    Map<String, MockConsumer<String, String>> byRegion = Map.of("us-east-1", east, "us-west-2", west);
    try (RegionAwareConsumer<String, String> c = RegionAwareConsumer.<String, String>builder(router, Map.of("group.id", "billing"))
        .factory((region, config) -> byRegion.get(region.name()))
        .offsetTranslator(request -> Map.of())
        .drain(Duration.ZERO, Duration.ofSeconds(30))
        .build()) {
      c.assign(List.of(local));
      east.addRecord(new ConsumerRecord<>(local.topic(), 0, 0, "k", "a0"));
      east.addRecord(new ConsumerRecord<>(local.topic(), 0, 1, "k", "a1"));
      assertThat(values(c.poll(Duration.ofMillis(10)))).containsExactly("a0", "a1");

      router.failover(topology.region("us-west-2"), "planned");
      // written in us-east-1 by a producer finishing its in-flight sends: nothing carries it to us-west-2
      east.addRecord(new ConsumerRecord<>(local.topic(), 0, 2, "k", "a2"));
      east.updateEndOffsets(Map.of(local, 3L));
      List<String> drained = new ArrayList<>();
      for (int i = 0; i < 20 && c.region().name().equals("us-east-1"); i++) {
        drained.addAll(values(c.poll(Duration.ofMillis(10))));
      }

      assertThat(drained).as("read in us-east-1 before leaving it").containsExactly("a2");
      assertThat(c.region().name()).isEqualTo("us-west-2");
      assertThat(c.switches()).singleElement().satisfies(s -> assertThat(s.positions()).isEmpty());
    }
  }
}
