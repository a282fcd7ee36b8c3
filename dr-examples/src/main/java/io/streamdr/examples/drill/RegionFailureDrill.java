package io.streamdr.examples.drill;

import io.streamdr.core.failover.AlertSink;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.InMemoryActiveRegionStore;
import io.streamdr.core.runbook.FailoverPlan;
import io.streamdr.core.runbook.Phase;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbook;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.runbook.Runbooks;
import io.streamdr.core.runbook.Step;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.RoutingJob;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Complete primary region failure, for real: with CDC traffic flowing, the primary region's Kafka cluster is stopped.
 * A {@link FailoverMonitor} watching it through a {@link KafkaHealthProbe} detects the outage and switches the
 * {@link DefaultRegionRouter} to the secondary; {@link Runbooks#automatedFailover} follows it through (the decision,
 * the secondary healthy, clients follow); the drill's own steps then measure what the outage cost (RPO:
 * acknowledged records in the primary not replicated to the secondary), brings the primary back, verifies with the
 * {@link KafkaIntegrityVerifier} that replication caught up without loss, duplication or alteration, and fails back.
 *
 * <p>The policy's "unreachable for 2 minutes" is shortened to {@link #UNREACHABLE_FOR} so the drill finishes in
 * minutes; everything else is the seed's.
 */
public final class RegionFailureDrill {
  /** How long the primary must be unreachable before failing over, in the drill. */
  public static final Duration UNREACHABLE_FOR = Duration.ofSeconds(5);
  private final EmbeddedRegionPair stack;
  private final RecoveryObjectives objectives;
  private final Consumer<String> progress;

  public RegionFailureDrill(EmbeddedRegionPair stack, RecoveryObjectives objectives, Consumer<String> progress) {
    this.stack = stack;
    this.objectives = objectives;
    this.progress = progress;
  }

  public RunbookReport run() throws Exception {
    String raw = RoutingJob.SOURCE_TOPIC;
    String remoteRaw = stack.remoteTopic(raw);
    DefaultRegionRouter router = new DefaultRegionRouter(stack.topology(), new InMemoryActiveRegionStore());
    List<AlertSink.Alert> alerts = new CopyOnWriteArrayList<>();
    try (CdcTraffic traffic = new CdcTraffic(stack, 20);
         KafkaHealthProbe primaryProbe = new KafkaHealthProbe(EmbeddedRegionPair.PRIMARY, stack.primary().kafka().clientConfig(), 1,
             List.of(), Duration.ofSeconds(1), Clock.systemUTC());
         KafkaHealthProbe secondaryProbe = new KafkaHealthProbe(EmbeddedRegionPair.SECONDARY, stack.secondary().kafka().clientConfig(), 1,
             List.of(), Duration.ofSeconds(2), Clock.systemUTC())) {
      progress.accept("steady state: CDC traffic into PostgreSQL, replicated to " + EmbeddedRegionPair.SECONDARY);
      Map<String, Object> secondary = stack.secondary().kafka().clientConfig();
      DrillSupport.await("200 change events replicated to " + remoteRaw, Duration.ofSeconds(90),
          () -> DrillSupport.countOrZero(secondary, remoteRaw) >= 200);
      long replicatedBefore = DrillSupport.count(secondary, remoteRaw);
      progress.accept("  " + replicatedBefore + " change events already replicated; primary healthy: " + primaryProbe.probe().healthy());

      ScheduledExecutorService evaluations = Executors.newSingleThreadScheduledExecutor();
      FailoverMonitor monitor = FailoverMonitor.builder(router, FailoverPolicy.defaults().toBuilder().unreachableFor(UNREACHABLE_FOR).build(),
          () -> List.of(primaryProbe), () -> stack.topology().secondaryRegion()).alerts(a -> {
            alerts.add(a);
            progress.accept("  alert " + a.severity() + ": " + a.title());
          }).executor(evaluations).interval(Duration.ofMillis(250)).build();
      Map<TopicPartition, Long> acknowledged = DrillSupport.endOffsets(stack.primary().kafka().clientConfig(), raw);

      Instant injected = Instant.now();
      progress.accept("inject: stopping the whole " + EmbeddedRegionPair.PRIMARY + " Kafka cluster (region outage)");
      stack.primary().kafka().stop();
      long ackedAtOutage = acknowledged.values().stream().mapToLong(Long::longValue).sum();
      monitor.start();

      long[] lost = new long[1];
      Duration[] rpo = {Duration.ZERO};
      IntegrityReport[] integrity = new IntegrityReport[1];
      FailoverPlan plan = FailoverPlan.builder(router, stack.topology().secondaryRegion()).health(secondaryProbe)
          .timeout(Duration.ofMinutes(3)).build();
      Runbook runbook = Runbooks.automatedFailover(monitor, plan, Duration.ofMinutes(3)).progress(progress);
      runbook
          .step(Step.of("measure data not replicated before the outage", Phase.EXECUTION, () -> {
            long replicated = DrillSupport.count(stack.secondary().kafka().clientConfig(), remoteRaw);
            lost[0] = Math.max(0, ackedAtOutage - replicated);
            rpo[0] = lost[0] == 0 ? Duration.ZERO : Duration.between(lastReplicatedTimestamp(remoteRaw), injected).abs();
            return "%d change events acknowledged in %s, %d replicated to %s: %d not yet replicated".formatted(ackedAtOutage,
                EmbeddedRegionPair.PRIMARY, replicated, EmbeddedRegionPair.SECONDARY, lost[0]);
          }))
          .step(Step.of("primary region back", Phase.VERIFICATION, () -> {
            stack.primary().kafka().restart();
            return "Kafka cluster " + EmbeddedRegionPair.PRIMARY + " restarted with its data";
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("verify replication: nothing lost, duplicated or altered", Phase.VERIFICATION, () -> {
            KafkaIntegrityVerifier verifier = new KafkaIntegrityVerifier(Map.of(EmbeddedRegionPair.PRIMARY, stack.primary().kafka().clientConfig(),
                EmbeddedRegionPair.SECONDARY, stack.secondary().kafka().clientConfig()));
            VerificationRequest request = VerificationRequest.builder(EmbeddedRegionPair.PRIMARY, EmbeddedRegionPair.SECONDARY)
                .topics(raw).naming(ReplicationNaming.prefixed(EmbeddedRegionPair.PRIMARY)).cutoff(injected).build();
            long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            IntegrityReport r = verifier.verify(request);
            while (r.verdict() == IntegrityReport.Verdict.LAGGING && System.nanoTime() < until) {
              LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
              r = verifier.verify(request);
            }
            integrity[0] = r;
            if (!r.passed()) {
              throw new IllegalStateException("replication " + r.verdict() + ": " + r.toText());
            }
            long records = r.partitions().stream().mapToLong(p -> p.sourceRecords()).sum();
            return "PASSED: %d change events up to the outage identical in both regions (content digests match)".formatted(records);
          }).deadline(Duration.ofMinutes(3)))
          .step(Step.of("fail back to the primary", Phase.VERIFICATION, () -> "active region " + router.failback("drill over").name()
              + ", epoch " + router.epoch()));
      RunbookReport report;
      try {
        report = runbook.run(objectives);
      } finally {
        monitor.close();
        evaluations.shutdownNow();
      }
      FailoverMonitor.Decision d = monitor.decision().orElse(null);
      if (d == null) {
        return report.withNote("the failover monitor did not decide");
      }
      return Runbooks.withDecision(report, d, injected)
          .withRpo(rpo[0], lost[0])
          .withNote("injected: whole Kafka cluster of %s stopped at %s with CDC traffic flowing (%d rows inserted so far)".formatted(
              EmbeddedRegionPair.PRIMARY, injected, traffic.inserted()))
          .withNote("failover policy: primary unreachable for %s (the seed's 2 minutes, shortened for the drill)".formatted(UNREACHABLE_FOR))
          .withNote("alerts raised: " + alerts.stream().map(AlertSink.Alert::title).toList())
          .withNote(integrity[0] == null ? "integrity not verified" : "integrity: " + integrity[0].verdict());
    } finally {
      if (stack.primary().kafka().isDown()) {
        stack.primary().kafka().restart();
      }
    }
  }

  private Instant lastReplicatedTimestamp(String remoteTopic) {
    var records = stack.secondary().kafka().read(remoteTopic, Integer.MAX_VALUE, Duration.ofSeconds(2));
    return Instant.ofEpochMilli(records.stream().mapToLong(r -> r.timestamp()).max().orElse(0));
  }
}
