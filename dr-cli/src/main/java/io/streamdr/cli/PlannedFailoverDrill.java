package io.streamdr.cli;

import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.runbook.FailoverPlan;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbook;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.runbook.Runbooks;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A planned failover drill against real clusters (a game day): nothing is broken; the active region is switched to the
 * secondary with the DR guide's manual failover runbook (secondary healthy, router switched, clients follow, the topics
 * verified record by record up to the start of the drill) and switched back with the failback runbook. The switches
 * are real: region-aware clients follow them.
 */
public final class PlannedFailoverDrill {
  private final RegionTopology topology;
  private final DefaultRegionRouter router;
  private final Map<String, Map<String, Object>> clusters;
  private final List<String> topics;
  private final ReplicationNaming naming;
  private final RecoveryObjectives objectives;
  private final Consumer<String> progress;

  /**
   * @param clusters Kafka client configuration per region name
   * @param topics   topics of the primary to verify in the secondary
   * @param naming   how the primary's topics are named in the secondary
   */
  public PlannedFailoverDrill(RegionTopology topology, DefaultRegionRouter router, Map<String, Map<String, Object>> clusters,
      List<String> topics, ReplicationNaming naming, RecoveryObjectives objectives, Consumer<String> progress) {
    this.topology = topology;
    this.router = router;
    this.clusters = clusters;
    this.topics = List.copyOf(topics);
    this.naming = naming;
    this.objectives = objectives;
    this.progress = progress;
  }

  /** The failover and the failback runbooks, not yet run (for a dry run). */
  public List<Runbook> runbooks(Instant cutoff, KafkaHealthProbe primaryHealth, KafkaHealthProbe secondaryHealth) {
    Region primary = topology.primaryRegion();
    Region secondary = topology.secondaryRegion();
    KafkaIntegrityVerifier verifier = new KafkaIntegrityVerifier(clusters);
    FailoverPlan out = FailoverPlan.builder(router, secondary).health(secondaryHealth)
        .verify(verifier, () -> VerificationRequest.builder(primary.name(), secondary.name()).topics(topics).naming(naming)
            .cutoff(cutoff).build())
        .timeout(Duration.ofMinutes(5)).build();
    FailoverPlan back = FailoverPlan.builder(router, primary).health(primaryHealth).timeout(Duration.ofMinutes(5)).build();
    return List.of(Runbooks.manualFailover(out, "planned failover drill").progress(progress),
        Runbooks.failback(back, "planned failover drill over").progress(progress));
  }

  /** Runs the failover, then (if it succeeded) the failback; one report each. */
  public List<RunbookReport> run(boolean dryRun) {
    Instant cutoff = Instant.now();
    try (KafkaHealthProbe primaryHealth = probe(topology.primaryRegion());
         KafkaHealthProbe secondaryHealth = probe(topology.secondaryRegion())) {
      List<Runbook> runbooks = runbooks(cutoff, primaryHealth, secondaryHealth);
      RunbookReport failover = (dryRun ? runbooks.get(0).dryRun(objectives) : runbooks.get(0).run(objectives))
          .withNote("planned: nothing was broken; verified the topics " + topics + " up to " + cutoff);
      if (!dryRun && !failover.succeeded()) {
        return List.of(failover);
      }
      return List.of(failover, dryRun ? runbooks.get(1).dryRun(objectives) : runbooks.get(1).run(objectives));
    }
  }

  private KafkaHealthProbe probe(Region region) {
    return KafkaHealthProbe.builder(region.name(), clusters.get(region.name())).timeout(Duration.ofSeconds(10)).build();
  }
}
