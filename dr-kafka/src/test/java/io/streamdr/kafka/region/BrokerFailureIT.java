package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One broker of three fails under traffic: replication factor 3 and min ISR 2 absorb it; no failover, no loss. */
class BrokerFailureIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").brokers(3).build();

  @Test
  void a_single_broker_failure_degrades_the_region_without_failover_or_loss() throws Exception {
    String topic = "orders";
    EAST.createTopic(topic, 3, 3, Map.of("min.insync.replicas", "2"));
    // the secondary is never contacted: nothing should fail over to it
    RegionTopology topology = RegionTopology.of(Region.of("us-east-1", EAST.bootstrapServers()),
        Region.of("us-west-2", "127.0.0.1:9"));
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
    try (KafkaHealthProbe probe = KafkaHealthProbe.builder("us-east-1", EAST.clientConfig())
        .expectedBrokers(3)
        .topics(List.of(topic))
        .timeout(Duration.ofSeconds(2))
        .build();
         Traffic traffic = new Traffic(router, topic, "shipping", TopicMapping.identity(), Duration.ofMillis(5))) {
      FailoverMonitor monitor = FailoverMonitor.builder(router,
          FailoverPolicy.defaults().toBuilder().sustainFor(Duration.ZERO).unreachableFor(Duration.ofSeconds(1)).build(),
          () -> List.of(probe), topology::secondaryRegion).build();
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredFrom("us-east-1") >= 300);

      int victim = EAST.brokerIds().iterator().next();
      EAST.stopBroker(victim);
      // the probe sees 2 of 3 brokers (67 %, above the 50 % threshold) and under-replicated partitions ...
      HealthSignal degraded = await().atMost(Duration.ofSeconds(60)).until(probe::probe,
          s -> s.status() == HealthSignal.Status.DEGRADED && s.metrics().get("under_replicated_partitions") > 0);
      assertThat(degraded.detail()).contains("2 of 3 brokers alive");
      // ... which the policy does not count as a reason to fail over, however long it lasts
      long before = traffic.acked.size();
      await().atMost(Duration.ofSeconds(60)).until(() -> monitor.evaluateOnce().isEmpty() && traffic.acked.size() >= before + 500);
      assertThat(monitor.decision()).isEmpty();
      assertThat(router.active().name()).isEqualTo("us-east-1");

      EAST.startBroker(victim);
      traffic.stopProducing();
      Set<String> acked = new HashSet<>(traffic.acked.keySet());
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredValues().containsAll(acked));
      assertThat(traffic.failed).isEmpty();
      assertThat(traffic.producer.switches()).isEmpty();
      System.out.printf("[RESULT] broker %d of 3 stopped under traffic: %d records acknowledged, all %d delivered, 0 failed, no failover%n",
          victim, acked.size(), acked.size());
    }
  }
}
