package io.streamdr.examples.drill;

import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.runbook.FailoverPlan;
import io.streamdr.core.runbook.Phase;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbook;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.runbook.Runbooks;
import io.streamdr.core.runbook.Step;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.RoutingJob;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;

/**
 * Single broker failure, for real: with CDC traffic flowing, the broker leading partition 0 of
 * {@code raw-business-events} in the primary's three-broker cluster is stopped. A {@link KafkaHealthProbe} sees the
 * cluster DEGRADED (a broker missing, partitions under-replicated, none offline); {@link Runbooks#kafkaClusterFailure}
 * decides to recover in place (no failover), restarts the broker and waits until every partition is fully replicated
 * again; the drill checks no change event was lost.
 */
public final class BrokerFailureDrill {
  private final EmbeddedRegionPair stack;
  private final RecoveryObjectives objectives;
  private final Consumer<String> progress;

  public BrokerFailureDrill(EmbeddedRegionPair stack, RecoveryObjectives objectives, Consumer<String> progress) {
    this.stack = stack;
    this.objectives = objectives;
    this.progress = progress;
  }

  public RunbookReport run() throws Exception {
    EmbeddedKafkaCluster cluster = stack.primary().kafka();
    if (cluster.brokerCount() < 3) {
      throw new IllegalStateException("the broker failure drill needs a primary cluster of 3 brokers (it has "
          + cluster.brokerCount() + "); build the stack with primaryBrokers(3)");
    }
    Map<String, Object> kafka = cluster.clientConfig();
    DefaultRegionRouter router = new DefaultRegionRouter(stack.topology(), new InMemoryActiveRegionStore());
    AtomicReference<DrillSupport.Capture> capture = new AtomicReference<>();
    int victim;
    try (Admin admin = Admin.create(kafka)) {
      victim = admin.describeTopics(List.of(RoutingJob.SOURCE_TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(RoutingJob.SOURCE_TOPIC).partitions().get(0).leader().id();
    }
    try (CdcTraffic traffic = new CdcTraffic(stack, 20);
         KafkaHealthProbe primary = KafkaHealthProbe.builder(EmbeddedRegionPair.PRIMARY, kafka)
             .expectedBrokers(cluster.brokerCount())
             .topics(EmbeddedRegionPair.TOPICS)
             .timeout(Duration.ofSeconds(2))
             .build();
         KafkaHealthProbe secondary = KafkaHealthProbe.builder(EmbeddedRegionPair.SECONDARY, stack.secondary().kafka().clientConfig())
             .timeout(Duration.ofSeconds(2))
             .build()) {
      DrillSupport.await(EmbeddedRegionPair.PRIMARY + " healthy under traffic", Duration.ofSeconds(60), () -> primary.probe().healthy());
      progress.accept("steady state: " + primary.probe().detail());

      Instant injected = Instant.now();
      progress.accept("inject: stopping broker " + victim + " of " + EmbeddedRegionPair.PRIMARY + " (leader of "
          + RoutingJob.SOURCE_TOPIC + "-0)");
      cluster.stopBroker(victim);
      DrillSupport.await("the cluster seen DEGRADED", Duration.ofSeconds(60), () -> primary.probe().status() != HealthSignal.Status.HEALTHY);
      Instant detected = Instant.now();
      progress.accept("  detected after " + Duration.between(injected, detected).toMillis() + " ms: " + primary.probe().detail());

      FailoverPlan failover = FailoverPlan.builder(router, stack.topology().secondaryRegion()).health(secondary)
          .timeout(Duration.ofMinutes(2)).build();
      Runbook runbook = Runbooks.kafkaClusterFailure(primary, () -> {
        cluster.startBroker(victim);
        return "broker " + victim + " restarted";
      }, failover).progress(progress);
      runbook.step(Step.of("still on the primary region", Phase.VERIFICATION, () -> {
        if (!router.active().name().equals(EmbeddedRegionPair.PRIMARY)) {
          throw new IllegalStateException("a single broker failure failed the region over to " + router.active().name());
        }
        return "active region " + router.active().name() + ", epoch " + router.epoch();
      }));
      runbook.step(DrillSupport.noChangeLost(stack, traffic, capture, ""));
      RunbookReport report = runbook.run(objectives);
      return report.withPhase(Phase.DETECTION, Duration.between(injected, detected))
          .withNote("injected: broker %d of %s stopped at %s with CDC traffic flowing (%d rows inserted so far)".formatted(victim,
              EmbeddedRegionPair.PRIMARY, injected, traffic.inserted()))
          .withNote(capture.get() == null ? "capture not verified" : "capture: " + capture.get().describe(RoutingJob.SOURCE_TOPIC));
    } finally {
      if (cluster.isBrokerStopped(victim)) {
        cluster.startBroker(victim);
      }
    }
  }
}
