package io.streamdr.kafka.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.region.RegionAwareProducer;
import io.streamdr.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaMetersTest {
  private static final Instant T0 = Instant.parse("2026-12-01T02:00:00Z");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MutableClock clock = new MutableClock(T0);
  private final KafkaMeters meters = new KafkaMeters(registry, clock);
  private final RegionTopology topology = RegionTopology.of(Region.of("us-east-1", "east:9092"), Region.of("us-west-2", "west:9092"));

  @Test
  void a_producer_exports_its_region_switches_and_resent_records() {
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
    Map<String, MockProducer<String, String>> producers = new java.util.concurrent.ConcurrentHashMap<>();
    try (RegionAwareProducer<String, String> producer = RegionAwareProducer.<String, String>builder(router, Map.of())
        .factory((region, config) -> producers.computeIfAbsent(region.name(),
            n -> new MockProducer<>(n.equals("us-west-2"), null, new StringSerializer(), new StringSerializer())))
        .drainTimeout(Duration.ZERO).build()) {
      meters.producer("orders-writer", producer, topology.regions());
      assertThat(registry.get(KafkaMeters.CLIENT_REGION).tags("client", "orders-writer", "region", "us-east-1").gauge().value()).isEqualTo(1.0);

      producer.send(new ProducerRecord<>("orders", "a", "1"));
      router.failover(topology.region("us-west-2"), "test");
      producers.get("us-east-1").errorNext(new NetworkException("us-east-1 is gone"));
      producer.send(new ProducerRecord<>("orders", "b", "2"));

      assertThat(registry.get(KafkaMeters.CLIENT_SWITCHES).tags("client", "orders-writer").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get(KafkaMeters.CLIENT_RESENT).tags("client", "orders-writer").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get(KafkaMeters.CLIENT_EPOCH).tags("client", "orders-writer").gauge().value()).isEqualTo(2.0);
      assertThat(registry.get(KafkaMeters.CLIENT_REGION).tags("client", "orders-writer", "region", "us-west-2").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get(KafkaMeters.CLIENT_REGION).tags("client", "orders-writer", "region", "us-east-1").gauge().value()).isEqualTo(0.0);
    }
  }

  @Test
  void a_completed_backup_adds_its_counts_and_its_age_grows_with_the_clock() {
    BackupManifest.SegmentEntry seg = new BackupManifest.SegmentEntry("topics/b1/orders/0/0.seg", 0, 99, 100, 0, 0, 4096, "0".repeat(64));
    BackupManifest m = manifest("b1", BackupManifest.Type.FULL, List.of(seg, seg));

    meters.backupCompleted("orders", m);
    clock.advance(Duration.ofMinutes(90));

    assertThat(registry.get(KafkaMeters.BACKUP_RECORDS).tags("set", "orders", "type", "full").counter().count()).isEqualTo(200.0);
    assertThat(registry.get(KafkaMeters.BACKUP_SEGMENTS).tags("set", "orders").counter().count()).isEqualTo(2.0);
    assertThat(registry.get(KafkaMeters.BACKUP_LAST_SUCCESS).tags("set", "orders").gauge().value()).isEqualTo(T0.getEpochSecond());
    assertThat(registry.get(KafkaMeters.BACKUP_AGE).tags("set", "orders").gauge().value()).isEqualTo(5400.0);
  }

  private static BackupManifest manifest(String id, BackupManifest.Type type, List<BackupManifest.SegmentEntry> segments) {
    BackupManifest.PartitionEntry p = new BackupManifest.PartitionEntry(0, 0, 200, segments.stream().mapToLong(BackupManifest.SegmentEntry::records).sum(),
        segments.stream().mapToLong(BackupManifest.SegmentEntry::bytes).sum(), segments);
    return new BackupManifest(BackupManifest.FORMAT, BackupManifest.VERSION, id, type, null, "cluster", T0.minusSeconds(5), T0,
        List.of(new BackupManifest.TopicEntry("orders", "id", 1, 3, Map.of(), List.of(p))), Map.of(), null);
  }
}
