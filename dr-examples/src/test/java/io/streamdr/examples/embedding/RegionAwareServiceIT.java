package io.streamdr.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.FileActiveRegionStore;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.kafka.region.TopicMapping;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding example follows an operator's failover through the shared store, and loses nothing it was told was
 * acknowledged: no replication runs, so what us-east-1 acknowledged reaches the application only because the consumer
 * reads it to its end before it leaves.
 */
class RegionAwareServiceIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  @TempDir Path dir;

  @Test
  void a_failover_made_elsewhere_moves_the_service_and_every_acknowledged_record_is_delivered() throws Exception {
    EAST.createTopic("orders", 3);
    WEST.createTopic("orders", 3);
    RegionTopology topology = RegionTopology.of(Region.of("us-east-1", EAST.bootstrapServers()), Region.of("us-west-2", WEST.bootstrapServers()));
    Path store = dir.resolve("active-region.json");
    DefaultRegionRouter serviceRouter = new DefaultRegionRouter(topology, new FileActiveRegionStore(store));
    // MirrorMaker 2 naming with nothing replicating: what us-east-1 took only the consumer's drain of it can deliver
    try (RegionAwareService service = new RegionAwareService(serviceRouter, TopicMapping.prefixed(topology), "orders", List.of("orders"),
        "orders-app", Duration.ofMillis(5), Duration.ofMillis(200))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> service.deliveredFrom("us-east-1") >= 200);
      // the operator's process, as `streamdr failover --to us-west-2` on the same store
      new DefaultRegionRouter(topology, new FileActiveRegionStore(store)).failover(topology.region("us-west-2"), "maintenance of us-east-1");
      await().atMost(Duration.ofSeconds(60)).until(() -> service.acknowledgedBy("us-west-2") >= 200 && service.deliveredFrom("us-west-2") >= 200);
      service.stopProducing();
      Set<String> acked = service.acknowledged().keySet();
      await().atMost(Duration.ofSeconds(30)).until(() -> delivered(service).containsAll(acked));
      assertThat(service.crash()).isNull();
      assertThat(service.failed()).isEmpty();
      assertThat(service.consumerRegion().name()).isEqualTo("us-west-2");
      assertThat(service.acknowledgedBy("us-east-1")).isGreaterThanOrEqualTo(200);
      assertThat(service.delivered()).as("delivered twice").hasSize(delivered(service).size());
    }
  }

  private static Set<String> delivered(RegionAwareService service) {
    Set<String> values = new HashSet<>();
    service.delivered().forEach(d -> values.add(d.value()));
    return values;
  }
}
