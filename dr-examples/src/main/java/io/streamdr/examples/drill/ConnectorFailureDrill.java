package io.streamdr.examples.drill;

import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.connect.ConnectorHealthProbe;
import io.streamdr.connect.ReplicationSlotCheck;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.runbook.Phase;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbook;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.runbook.Runbooks;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.RoutingJob;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Connector failure, for real: with CDC traffic flowing, the Debezium task's replication connection is terminated in
 * PostgreSQL ({@code pg_terminate_backend} on the slot's walsender), which fails the task. A
 * {@link ConnectorHealthProbe} detects it; {@link Runbooks#connectorFailure} checks the replication slot can still be
 * resumed from, restarts the failed task and checks it resumed from its committed offsets; the drill then checks
 * that every row inserted, during the failure too, reached Kafka.
 */
public final class ConnectorFailureDrill {
  private final EmbeddedRegionPair stack;
  private final RecoveryObjectives objectives;
  private final Consumer<String> progress;

  public ConnectorFailureDrill(EmbeddedRegionPair stack, RecoveryObjectives objectives, Consumer<String> progress) {
    this.stack = stack;
    this.objectives = objectives;
    this.progress = progress;
  }

  public RunbookReport run() throws Exception {
    String connector = EmbeddedRegionPair.CONNECTOR;
    Map<String, Object> kafka = stack.primary().kafka().clientConfig();
    ConnectRestAdmin admin = new ConnectRestAdmin(RestEndpoint.of(stack.primary().connect().restUrl().toString()));
    ConnectorHealthProbe probe = new ConnectorHealthProbe(admin, List.of(connector), Clock.systemUTC());
    ReplicationSlotCheck slot = new ReplicationSlotCheck(stack.postgres().dataSource(), EmbeddedRegionPair.SLOT);
    AtomicReference<DrillSupport.Capture> capture = new AtomicReference<>();
    try (CdcTraffic traffic = new CdcTraffic(stack, 20)) {
      long before = DrillSupport.count(kafka, RoutingJob.SOURCE_TOPIC);
      DrillSupport.await("change events flowing into " + RoutingJob.SOURCE_TOPIC, Duration.ofSeconds(60),
          () -> DrillSupport.countOrZero(kafka, RoutingJob.SOURCE_TOPIC) > before + 20);
      progress.accept("steady state: " + probe.probe().detail());

      Instant injected = Instant.now();
      progress.accept("inject: terminating the replication connection of slot " + EmbeddedRegionPair.SLOT + " in PostgreSQL");
      stack.postgres().execute("select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = '"
          + EmbeddedRegionPair.SLOT + "' and active_pid is not null");
      DrillSupport.await("connector " + connector + " reported FAILED", Duration.ofSeconds(60),
          () -> probe.probe().status() == HealthSignal.Status.FAILED);
      Instant detected = Instant.now();
      progress.accept("  detected after " + Duration.between(injected, detected).toMillis() + " ms: " + probe.probe().detail());

      Runbook runbook = Runbooks.connectorFailure(admin, connector, List.of(slot.resumability()), Duration.ofMinutes(2)).progress(progress);
      runbook.step(DrillSupport.noChangeLost(stack, traffic, capture, " (Debezium delivers at least once)"));
      RunbookReport report = runbook.run(objectives);
      return report.withPhase(Phase.DETECTION, Duration.between(injected, detected))
          .withNote("injected: replication connection of slot %s terminated at %s with CDC traffic flowing (%d rows inserted so far)"
              .formatted(EmbeddedRegionPair.SLOT, injected, traffic.inserted()))
          .withNote(capture.get() == null ? "capture not verified" : "capture: " + capture.get().describe(RoutingJob.SOURCE_TOPIC));
    }
  }
}
