package io.streamdr.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.fake.InMemoryConnectorAdmin;
import io.streamdr.core.fake.InMemoryIntegrityVerifier;
import io.streamdr.core.fake.InMemoryRegionRouter;
import io.streamdr.core.fake.InMemorySavepointClient;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RunbooksTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private final RegionTopology topology = RegionTopology.of(Region.of("us-east-1", "east:9092"), Region.of("us-west-2", "west:9092"));

  private static HealthProbe probe(String component, HealthSignal.Status status) {
    return () -> new HealthSignal(component, status, component + " " + status, Map.of(), Instant.now());
  }

  private static RunbookReport.StepResult step(RunbookReport r, String name) {
    return r.steps().stream().filter(s -> s.step().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void connector_failure_restarts_the_failed_task_and_checks_the_offsets_were_kept() {
    InMemoryConnectorAdmin admin = new InMemoryConnectorAdmin();
    admin.apply(ConnectorSpec.of("pg", Map.of("connector.class", "PostgresConnector", "tasks.max", "2")));
    admin.commitOffsets("pg", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 42)));
    admin.failTask("pg", 1, "org.postgresql.util.PSQLException: terminating connection\n\tat ...");

    RunbookReport r = Runbooks.connectorFailure(admin, "pg", List.of(probe("replication slot dbz", HealthSignal.Status.HEALTHY)), TIMEOUT)
        .run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).as(r.toText()).isTrue();
    assertThat(step(r, "connector status").detail()).contains("task 1 (org.postgresql.util.PSQLException: terminating connection)");
    assertThat(admin.describe("pg").tasks()).allMatch(t -> t.state() == ConnectorState.RUNNING);
    assertThat(admin.restartCount("pg")).isEqualTo(1);
    assertThat(step(r, "resumed from committed offsets").detail()).contains("offsets of 1 partition kept");
  }

  @Test
  void connector_failure_does_not_restart_when_the_replication_slot_is_lost() {
    InMemoryConnectorAdmin admin = new InMemoryConnectorAdmin();
    admin.apply(ConnectorSpec.of("pg", Map.of("connector.class", "PostgresConnector")));
    admin.failTask("pg", 0, "slot dropped");

    RunbookReport r = Runbooks.connectorFailure(admin, "pg", List.of(probe("replication slot dbz", HealthSignal.Status.FAILED)), TIMEOUT)
        .run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).isFalse();
    assertThat(step(r, "source checks").detail()).contains("replication slot dbz FAILED", "new snapshot");
    assertThat(step(r, "restart failed connector and tasks").status()).isEqualTo(RunbookReport.Status.SKIPPED);
    assertThat(admin.restartCount("pg")).isZero();
  }

  @Test
  void connector_failure_fails_when_the_restart_lost_the_committed_offsets() {
    InMemoryConnectorAdmin admin = new InMemoryConnectorAdmin();
    admin.apply(ConnectorSpec.of("pg", Map.of("connector.class", "PostgresConnector")));
    admin.commitOffsets("pg", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 42)));
    admin.failTask("pg", 0, "boom");
    Runbook runbook = Runbooks.connectorFailure(admin, "pg", List.of(), TIMEOUT);
    // someone resets the offsets while the connector recovers
    List<Step> steps = runbook.steps();
    Runbook tampered = Runbook.named("tampered");
    for (Step s : steps) {
      tampered.step(s);
      if (s.name().equals("connector and tasks running")) {
        tampered.step(Step.of("reset by someone else", Phase.EXECUTION, () -> {
          admin.stop("pg");
          admin.resetOffsets("pg");
          admin.resume("pg");
          return "reset";
        }));
      }
    }

    RunbookReport r = tampered.run(RecoveryObjectives.defaults());

    assertThat(step(r, "resumed from committed offsets").status()).isEqualTo(RunbookReport.Status.FAILED);
    assertThat(step(r, "resumed from committed offsets").detail()).contains("lost partitions", "restarted from scratch");
  }

  @Test
  void flink_job_failure_restores_the_job_from_its_newest_recovery_point() {
    InMemorySavepointClient flink = new InMemorySavepointClient();
    JobRef job = flink.startJob("routing");
    flink.take(job, SavepointOptions.defaults(), TIMEOUT);
    var newest = flink.take(job, SavepointOptions.defaults(), TIMEOUT);
    flink.setState(job, InMemorySavepointClient.JobState.FAILED);
    AtomicReference<JobRef> current = new AtomicReference<>(job);
    HealthProbe health = () -> {
      boolean running = flink.state(current.get()) == InMemorySavepointClient.JobState.RUNNING;
      return new HealthSignal("flink job " + current.get().id(), running ? HealthSignal.Status.HEALTHY : HealthSignal.Status.FAILED,
          flink.state(current.get()).name(), Map.of(), Instant.now());
    };

    RunbookReport r = Runbooks.flinkJobFailure(flink, current, JobSpec.builder("routing").jarId("routing.jar").build(), health, TIMEOUT)
        .run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).as(r.toText()).isTrue();
    assertThat(current.get()).isNotEqualTo(job);
    assertThat(flink.restoredFrom(current.get())).contains(newest);
    assertThat(r.phases()).containsKeys(Phase.DETECTION, Phase.DECISION, Phase.EXECUTION, Phase.VERIFICATION);
  }

  @Test
  void flink_job_failure_never_starts_a_healthy_job_twice() {
    InMemorySavepointClient flink = new InMemorySavepointClient();
    JobRef job = flink.startJob("routing");
    flink.take(job, SavepointOptions.defaults(), TIMEOUT);
    AtomicReference<JobRef> current = new AtomicReference<>(job);

    RunbookReport r = Runbooks.flinkJobFailure(flink, current, JobSpec.builder("routing").jarId("j").build(),
        probe("flink job", HealthSignal.Status.HEALTHY), TIMEOUT).run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).isFalse();
    assertThat(step(r, "job status").detail()).contains("is healthy", "nothing to recover");
    assertThat(current.get()).isEqualTo(job);
  }

  @Test
  void a_degraded_kafka_cluster_is_recovered_in_place_without_failover() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    HealthSignal.Status[] cluster = {HealthSignal.Status.DEGRADED};
    FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion()).health(probe("kafka us-west-2", HealthSignal.Status.HEALTHY))
        .timeout(TIMEOUT).build();

    RunbookReport r = Runbooks.kafkaClusterFailure(() -> probe("kafka us-east-1", cluster[0]).probe(), () -> {
      cluster[0] = HealthSignal.Status.HEALTHY;
      return "broker 2 restarted";
    }, plan).run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).as(r.toText()).isTrue();
    assertThat(step(r, "decide").detail()).contains("recover in place");
    assertThat(step(r, "recover").detail()).isEqualTo("broker 2 restarted");
    assertThat(router.active().name()).isEqualTo("us-east-1");
  }

  @Test
  void a_degraded_cluster_that_does_not_recover_fails_the_runbook() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    // the wait is timed by the plan's clock, which the sleeper moves on: two minutes of waiting pass in no time
    Instant[] now = {Instant.parse("2026-12-02T06:00:00Z")};
    Clock clock = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now[0];
      }
    };
    List<Duration> pauses = new ArrayList<>();
    FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion()).timeout(Duration.ofMinutes(2))
        .clock(clock, d -> {
          pauses.add(d);
          now[0] = now[0].plus(d);
        }).build();

    RunbookReport r = Runbooks.kafkaClusterFailure(probe("kafka us-east-1", HealthSignal.Status.DEGRADED), () -> "broker 2 restarted", plan)
        .run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).isFalse();
    assertThat(step(r, "verify").detail()).contains("kafka us-east-1 not healthy within PT2M");
    assertThat(pauses).as("a look every 250 ms until the two minutes passed").hasSize(481).containsOnly(Duration.ofMillis(250));
    assertThat(router.active().name()).isEqualTo("us-east-1");
  }

  @Test
  void a_failed_kafka_cluster_is_failed_over() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion()).health(probe("kafka us-west-2", HealthSignal.Status.HEALTHY))
        .timeout(TIMEOUT).build();

    RunbookReport r = Runbooks.kafkaClusterFailure(probe("kafka us-east-1", HealthSignal.Status.FAILED), () -> {
      throw new AssertionError("a failed cluster is not restarted in place");
    }, plan).run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).as(r.toText()).isTrue();
    assertThat(router.active().name()).isEqualTo("us-west-2");
    assertThat(step(r, "recover").detail()).contains("epoch 1 → 2");
  }

  @Test
  void manual_failover_runs_the_six_steps_and_records_the_rpo_from_the_verification() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    InMemoryIntegrityVerifier verifier = new InMemoryIntegrityVerifier();
    long now = System.currentTimeMillis();
    for (int i = 0; i < 10; i++) {
      verifier.cluster("us-east-1").append("orders", 0, "k" + i, "v" + i, now - 10_000 + i);
    }
    for (int i = 0; i < 8; i++) {
      verifier.cluster("us-west-2").append("us-east-1.orders", 0, "k" + i, "v" + i, now - 10_000 + i);
    }
    InMemorySavepointClient westFlink = new InMemorySavepointClient();
    JobRef replicaSource = westFlink.startJob("routing");
    var savepoint = westFlink.take(replicaSource, SavepointOptions.defaults(), TIMEOUT);
    AtomicReference<JobRef> started = new AtomicReference<>();
    InMemoryConnectorAdmin westConnect = new InMemoryConnectorAdmin();
    westConnect.apply(ConnectorSpec.of("pg", Map.of("connector.class", "PostgresConnector")).withInitialState(ConnectorState.STOPPED));
    FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion())
        .health(probe("kafka us-west-2", HealthSignal.Status.HEALTHY))
        .verify(verifier, () -> VerificationRequest.builder("us-east-1", "us-west-2").topics("orders")
            .naming(ReplicationNaming.prefixed("us-east-1")).build())
        .replicationLag(probe("replication us-east-1 → us-west-2", HealthSignal.Status.DEGRADED))
        .flinkJob(westFlink, JobSpec.builder("routing").jarId("j").build(), () -> Optional.of(savepoint), started::set)
        .connectors(westConnect, List.of("pg"))
        .timeout(TIMEOUT).build();

    Runbook runbook = Runbooks.manualFailover(plan, "planned drill");
    RunbookReport dry = runbook.dryRun(RecoveryObjectives.defaults());
    assertThat(router.active().name()).as("a dry run changes nothing").isEqualTo("us-east-1");
    assertThat(dry.steps()).extracting(RunbookReport.StepResult::detail).contains("would make us-west-2 the active region (fenced epoch)");

    RunbookReport r = runbook.run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).as(r.toText()).isTrue();
    assertThat(r.steps()).extracting(RunbookReport.StepResult::step).containsExactly("verify us-west-2 is healthy", "switch the router",
        "clients follow", "verify data", "check replication lag", "start the Flink job in us-west-2", "resume connectors in us-west-2");
    assertThat(router.active().name()).isEqualTo("us-west-2");
    assertThat(r.rpoRecords()).isEqualTo(2);
    assertThat(westFlink.restoredFrom(started.get())).contains(savepoint);
    assertThat(westConnect.describe("pg").state()).isEqualTo(ConnectorState.RUNNING);
  }

  @Test
  void a_failover_whose_later_step_fails_switches_back_and_stops_what_it_started() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    InMemoryConnectorAdmin westConnect = new InMemoryConnectorAdmin();
    westConnect.apply(ConnectorSpec.of("pg", Map.of("connector.class", "PostgresConnector")).withInitialState(ConnectorState.STOPPED));
    FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion())
        .connectors(westConnect, List.of("pg"))
        .replicationLag(probe("replication", HealthSignal.Status.FAILED))
        .timeout(TIMEOUT).build();

    RunbookReport r = Runbooks.manualFailover(plan, "drill").run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).isFalse();
    assertThat(step(r, "check replication lag").detail()).contains("replication FAILED");
    assertThat(step(r, "undo switch the router").detail()).contains("switched back to us-east-1");
    assertThat(router.active().name()).isEqualTo("us-east-1");
    assertThat(westConnect.describe("pg").state()).as("never resumed: the step after the failure was skipped").isEqualTo(ConnectorState.STOPPED);
  }

  @Test
  void a_secondary_that_is_not_healthy_is_never_switched_to() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion())
        .health(probe("kafka us-west-2", HealthSignal.Status.DEGRADED)).timeout(TIMEOUT).build();

    RunbookReport r = Runbooks.manualFailover(plan, "drill").run(RecoveryObjectives.defaults());

    assertThat(r.succeeded()).isFalse();
    assertThat(step(r, "verify us-west-2 is healthy").detail()).contains("kafka us-west-2 is DEGRADED");
    assertThat(router.switches()).isEmpty();
  }

  @Test
  void automated_failover_follows_the_monitor_and_reports_its_detection_and_decision() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    HealthProbe primaryDown = () -> new HealthSignal("kafka us-east-1", HealthSignal.Status.FAILED, "did not answer",
        Map.of(io.streamdr.core.failover.Metrics.KAFKA_REACHABLE, 0.0), Instant.now());
    var executor = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    Instant failedAt = Instant.now();
    try (var monitor = io.streamdr.core.failover.FailoverMonitor.builder(router,
            io.streamdr.core.failover.FailoverPolicy.defaults().toBuilder().unreachableFor(Duration.ofMillis(200)).build(),
            () -> List.of(primaryDown), topology::secondaryRegion)
        .executor(executor).interval(Duration.ofMillis(50)).build()) {
      FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion())
          .replicationLag(probe("replication", HealthSignal.Status.HEALTHY)).timeout(TIMEOUT).build();
      Runbook runbook = Runbooks.automatedFailover(monitor, plan, TIMEOUT);
      monitor.start();

      RunbookReport r = runbook.run(RecoveryObjectives.defaults());
      var decision = monitor.decision().orElseThrow();
      RunbookReport measured = Runbooks.withDecision(r, decision, failedAt);

      assertThat(r.succeeded()).as(r.toText()).isTrue();
      assertThat(step(r, "monitor fails over").detail()).contains("us-east-1 → us-west-2 at epoch 2 (primary-unreachable)");
      assertThat(router.active().name()).isEqualTo("us-west-2");
      assertThat(measured.phases().get(Phase.DETECTION)).isEqualTo(Duration.between(failedAt, decision.detectedAt()));
      assertThat(measured.phases().get(Phase.DECISION)).isEqualTo(Duration.between(decision.detectedAt(), decision.switchedAt()))
          .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void failback_switches_back_to_the_primary() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(topology);
    router.failover(topology.secondaryRegion(), "outage");
    FailoverPlan back = FailoverPlan.builder(router, topology.primaryRegion())
        .health(probe("kafka us-east-1", HealthSignal.Status.HEALTHY)).timeout(TIMEOUT).build();

    RunbookReport r = Runbooks.failback(back, "us-east-1 recovered").run(RecoveryObjectives.defaults());

    assertThat(r.name()).isEqualTo("failback to us-east-1");
    assertThat(r.succeeded()).as(r.toText()).isTrue();
    assertThat(router.active().name()).isEqualTo("us-east-1");
    assertThat(router.epoch()).isEqualTo(3);
  }
}
