package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A consumer with static membership ({@code group.instance.id}) that returns to the region it left reads the copies
 * replicated back there: the group must not hand the returning member the assignment its stale self held before
 * those copies existed.
 */
class StaticMemberReturnIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  private static void send(EmbeddedKafkaCluster cluster, String topic, List<String> values) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(cluster.clientConfig(), new StringSerializer(), new StringSerializer())) {
      for (String v : values) {
        p.send(new ProducerRecord<>(topic, 0, null, v)).get();
      }
    }
  }

  /** Copies us-west-2's orders from the first not copied yet up to {@code upTo} into us-east-1, as MirrorMaker 2 does. */
  private int copied;

  private void copyBack(int upTo) throws Exception {
    List<ConsumerRecord<String, String>> west = WEST.read("orders", upTo, Duration.ofSeconds(30));
    try (KafkaProducer<String, String> p = new KafkaProducer<>(EAST.clientConfig(), new StringSerializer(), new StringSerializer())) {
      for (var r : west.subList(copied, upTo)) {
        p.send(new ProducerRecord<>("us-west-2.orders", 0, r.timestamp(), r.key(), r.value())).get();
      }
    }
    copied = upTo;
  }

  /** Polls until {@code values} are all delivered, or the deadline passes; returns what was delivered. */
  private final List<String> deliveries = new java.util.ArrayList<>();

  private Set<String> pollUntil(RegionAwareConsumer<String, String> consumer, Set<String> delivered, List<String> values) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!delivered.containsAll(values) && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
        delivered.add(r.value());
        deliveries.add(r.value());
      }
    }
    // a little longer: whatever would come again arrives now
    long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < settle) {
      consumer.poll(Duration.ofMillis(200)).forEach(r -> deliveries.add(r.value()));
    }
    return delivered;
  }

  @Test
  void a_static_member_returning_to_a_region_reads_the_copies_replicated_back_there() throws Exception {
    EAST.createTopic("orders", 1);
    WEST.createTopic("orders", 1);
    RegionTopology topology = RegionTopology.of(Region.of("us-east-1", EAST.bootstrapServers()), Region.of("us-west-2", WEST.bootstrapServers()));
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
    Set<String> delivered = ConcurrentHashMap.newKeySet();
    try (RegionAwareConsumer<String, String> consumer = RegionAwareConsumer.<String, String>builder(router, Map.of("group.id", "returning",
            "group.instance.id", "returning-1", "auto.offset.reset", "earliest", "enable.auto.commit", false))
        .deserializers(StringDeserializer::new, StringDeserializer::new).topicMapping(TopicMapping.prefixed(topology)).build()) {
      consumer.subscribe(List.of("orders"));
      send(EAST, "orders", List.of("e1", "e2", "e3"));
      assertThat(pollUntil(consumer, delivered, List.of("e1", "e2", "e3"))).contains("e1", "e2", "e3");
      consumer.commitSync();

      router.failover(topology.region("us-west-2"), "test");
      send(WEST, "orders", List.of("w1", "w2", "w3"));
      assertThat(pollUntil(consumer, delivered, List.of("w1", "w2", "w3"))).contains("w1", "w2", "w3");
      consumer.commitSync();
      // the replication back, us-west-2 -> us-east-1, started during the outage (MirrorMaker 2's naming)
      EAST.createTopic("us-west-2.orders", 1);
      copyBack(3);

      router.failback("test");
      // acknowledged in us-west-2 after the consumer left it: they reach it only as the copies in us-east-1
      send(WEST, "orders", List.of("w4", "w5"));
      copyBack(5);
      send(EAST, "orders", List.of("e4"));

      assertThat(pollUntil(consumer, delivered, List.of("e4", "w4", "w5"))).as("delivered after the failback").contains("e4", "w4", "w5");
      // the timestamp translation resumes at the copy of w3, which comes again, counted; nothing read after the first
      // assignment comes again because of the rejoin
      assertThat(deliveries).filteredOn(v -> v.equals("e4") || v.equals("w4") || v.equals("w5")).hasSize(3);
      assertThat(consumer.redeliveredRecords()).isEqualTo(deliveries.size() - delivered.size());
      assertThat(consumer.region().name()).isEqualTo("us-east-1");
    }
  }
}
