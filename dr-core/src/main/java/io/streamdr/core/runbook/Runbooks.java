package io.streamdr.core.runbook;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.RestartOptions;
import io.streamdr.core.connect.TaskInfo;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.verify.IntegrityReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * the DR guide's runbooks as code, written over the five interfaces and {@link HealthProbe}, so the same runbook runs
 * against the in-memory fakes, the embedded stack and production. Each factory returns a {@link Runbook} not yet
 * run: add steps, {@linkplain Runbook#dryRun dry-run} it, or {@linkplain Runbook#run run} it against objectives.
 *
 * <ul>
 *   <li>{@link #connectorFailure}: status, source checks (replication slot), committed offsets, restart, running,
 *       resumed from its offsets.</li>
 *   <li>{@link #flinkJobFailure}: status, newest recovery point, restore, running. Works with the Flink REST and the
 *       Confluent Cloud statement clients alike.</li>
 *   <li>{@link #kafkaClusterFailure}: assess; a degraded cluster (a broker down) is recovered in place, a failed one
 *       is failed over.</li>
 *   <li>{@link #manualFailover}: the six steps: verify the region switched to, switch the router (and DNS behind it),
 *       clients follow, verify data, check replication lag, start Flink and connectors there.</li>
 *   <li>{@link #automatedFailover}: the same after a {@link FailoverMonitor} has switched.</li>
 *   <li>{@link #failback}: the same steps back to the primary.</li>
 * </ul>
 */
public final class Runbooks {
  private static final Duration POLL = Duration.ofMillis(250);

  private Runbooks() {}

  /**
   * Recovers a failed connector: reads its status, runs the source checks (for Debezium, the replication slot: a
   * lost slot cannot be recovered by a restart and stops the runbook), records the committed offsets, restarts what
   * failed, waits until the connector and every task run, and checks it resumed from its committed offsets (none
   * reset or lost).
   *
   * @param sourceChecks probes of what the connector reads from; a FAILED one stops the runbook before the restart
   * @param timeout      how long the connector may take to run again
   */
  public static Runbook connectorFailure(ConnectorAdmin admin, String connector, List<HealthProbe> sourceChecks, Duration timeout) {
    return connectorFailure(admin, connector, sourceChecks, timeout, Clock.systemUTC(), Sleeper.SYSTEM);
  }

  /** As {@link #connectorFailure(ConnectorAdmin, String, List, Duration)}, its wait timed by {@code clock}, pausing with {@code sleeper}. */
  public static Runbook connectorFailure(ConnectorAdmin admin, String connector, List<HealthProbe> sourceChecks, Duration timeout,
      Clock clock, Sleeper sleeper) {
    Checks.requireNonNull(admin, "connector admin");
    Checks.requireNonNull(clock, "clock");
    Checks.requireNonNull(sleeper, "sleeper");
    Checks.requireNonBlank(connector, "connector");
    List<HealthProbe> checks = List.copyOf(sourceChecks);
    Checks.requirePositive(timeout, "timeout");
    Runbook runbook = Runbook.named("connector failure: " + connector);
    AtomicReference<ConnectorOffsets> before = new AtomicReference<>();
    return runbook
        .step(Step.of("connector status", Phase.DETECTION, () -> {
          ConnectorInfo info = admin.describe(connector);
          List<String> failed = new ArrayList<>();
          if (info.state() == ConnectorState.FAILED) {
            failed.add("connector");
          }
          for (TaskInfo t : info.tasks()) {
            if (t.state() == ConnectorState.FAILED) {
              failed.add("task " + t.id() + firstLine(t.trace().orElse("")));
            }
          }
          return failed.isEmpty() ? "%s is %s; no failed task".formatted(connector, info.state())
              : "%s is %s; failed: %s".formatted(connector, info.state(), String.join("; ", failed));
        }).describedAs("read the status of connector " + connector + " and its tasks"))
        .step(Step.of("source checks", Phase.DETECTION, () -> {
          List<String> seen = new ArrayList<>();
          for (HealthProbe p : checks) {
            HealthSignal s = p.probe();
            if (s.status() == HealthSignal.Status.FAILED) {
              throw new IllegalStateException(s.component() + " FAILED: " + s.detail()
                  + "; a restart cannot recover this, re-create the source position (for Debezium, a new snapshot)");
            }
            seen.add(s.component() + " " + s.status());
          }
          return seen.isEmpty() ? "no source checks configured" : String.join("; ", seen);
        }).describedAs("probe what " + connector + " reads from (" + checks.size() + " checks)"))
        .step(Step.of("record committed offsets", Phase.DECISION, () -> {
          ConnectorOffsets offsets = admin.offsets(connector);
          before.set(offsets);
          return offsets.isEmpty() ? "no committed offsets: the connector will start from scratch"
              : count(offsets.offsets().size(), "source partition") + " with committed offsets";
        }).describedAs("read the committed offsets of " + connector))
        .step(Step.of("restart failed connector and tasks", Phase.EXECUTION, () -> {
          admin.restart(connector, RestartOptions.FAILED);
          return "restart of failed instances requested";
        }).retries(2).describedAs("restart the failed instances of " + connector + " (KIP-745 onlyFailed, includeTasks)"))
        .step(Step.of("connector and tasks running", Phase.VERIFICATION, () -> {
          ConnectorInfo info = admin.awaitState(connector, i -> i.state() == ConnectorState.RUNNING && !i.tasks().isEmpty()
              && i.tasks().stream().allMatch(t -> t.state() == ConnectorState.RUNNING), timeout, clock, sleeper);
          return "%s RUNNING with %s RUNNING".formatted(connector, count(info.tasks().size(), "task"));
        }).deadline(timeout.plusSeconds(30)).describedAs("wait until " + connector + " and every task are RUNNING"))
        .step(Step.of("resumed from committed offsets", Phase.VERIFICATION, () -> {
          ConnectorOffsets after = admin.offsets(connector);
          List<Object> partitionsBefore = before.get().offsets().stream().map(o -> (Object) o.partition()).toList();
          List<Object> partitionsAfter = after.offsets().stream().map(o -> (Object) o.partition()).toList();
          if (!partitionsAfter.containsAll(partitionsBefore)) {
            throw new IllegalStateException("committed offsets of " + connector + " lost partitions: before " + partitionsBefore
                + ", after " + partitionsAfter + "; the connector restarted from scratch");
          }
          return before.get().equals(after) ? "offsets of %s kept (no change captured since)".formatted(count(partitionsAfter.size(), "partition"))
              : "offsets of %s kept and advancing".formatted(count(partitionsAfter.size(), "partition"));
        }).describedAs("check " + connector + " kept its committed offsets"));
  }

  /**
   * Recovers a failed Flink job (self-managed or a Confluent Cloud statement): checks it is indeed unhealthy (a
   * healthy job is never started twice), picks the newest completed recovery point (savepoint or retained checkpoint),
   * restores the job from it, and waits until the restored job is healthy.
   *
   * @param job    the failed job; set to the restored job when restored
   * @param health the job's health; must read the job from {@code job}, so it follows the restore
   */
  public static Runbook flinkJobFailure(SavepointClient savepoints, AtomicReference<JobRef> job, JobSpec spec, HealthProbe health,
      Duration timeout) {
    return flinkJobFailure(savepoints, job, spec, health, timeout, Clock.systemUTC(), Sleeper.SYSTEM);
  }

  /** As {@link #flinkJobFailure(SavepointClient, AtomicReference, JobSpec, HealthProbe, Duration)}, its wait timed by {@code clock}. */
  public static Runbook flinkJobFailure(SavepointClient savepoints, AtomicReference<JobRef> job, JobSpec spec, HealthProbe health,
      Duration timeout, Clock clock, Sleeper sleeper) {
    Checks.requireNonNull(savepoints, "savepoint client");
    Checks.requireNonNull(clock, "clock");
    Checks.requireNonNull(sleeper, "sleeper");
    Checks.requireNonNull(job.get(), "job");
    Checks.requireNonNull(spec, "job spec");
    Checks.requireNonNull(health, "job health probe");
    Checks.requirePositive(timeout, "timeout");
    AtomicReference<Savepoint> chosen = new AtomicReference<>();
    return Runbook.named("flink job failure: " + spec.name())
        .step(Step.of("job status", Phase.DETECTION, () -> {
          HealthSignal s = health.probe();
          if (s.healthy()) {
            throw new IllegalStateException("job " + job.get().id() + " is healthy (" + s.detail() + "); nothing to recover");
          }
          return s.status() + ": " + s.detail();
        }).describedAs("probe job " + job.get().id()))
        .step(Step.of("choose the newest recovery point", Phase.DECISION, () -> {
          Savepoint sp = newestOf(savepoints, job::get).get()
              .orElseThrow(() -> new IllegalStateException("job " + job.get().id() + " has no completed savepoint or retained checkpoint;"
                  + " restore from a savepoint in your backups, or restart it without state deliberately"));
          chosen.set(sp);
          return "%s %s completed %s".formatted(sp.kind().name().toLowerCase(Locale.ROOT), sp.id(),
              sp.completedAt().map(Instant::toString).orElse("?"));
        }).describedAs("list the recovery points of job " + job.get().id() + " and take the newest completed one"))
        .step(Step.of("restore the job", Phase.EXECUTION, () -> {
          JobRef restored = savepoints.restore(spec, chosen.get());
          JobRef failed = job.getAndSet(restored);
          return "job %s restored as %s from %s".formatted(failed.id(), restored.id(), chosen.get().location().orElse("?"));
        }).describedAs("start " + spec.name() + " from that recovery point"))
        .step(Step.of("job healthy", Phase.VERIFICATION, () -> awaitHealthy(health, timeout, clock, sleeper))
            .deadline(timeout.plusSeconds(30)).describedAs("wait until the restored job is healthy"));
  }

  /**
   * A Kafka cluster in trouble: assesses it and decides. HEALTHY: nothing to do. DEGRADED (brokers down or
   * partitions under-replicated, but every partition available): recover in place with {@code recoverBroker} (for
   * example, restart the broker) and wait until the cluster is HEALTHY again; no failover. FAILED (unreachable or
   * partitions offline): fail over with the steps of {@link #manualFailover}.
   */
  public static Runbook kafkaClusterFailure(HealthProbe cluster, Step.Action recoverBroker, FailoverPlan failover) {
    Checks.requireNonNull(cluster, "cluster probe");
    Checks.requireNonNull(recoverBroker, "broker recovery");
    Checks.requireNonNull(failover, "failover plan");
    AtomicReference<HealthSignal> assessed = new AtomicReference<>();
    Runbook runbook = Runbook.named("kafka cluster failure");
    runbook.step(Step.of("assess the cluster", Phase.DETECTION, () -> {
      HealthSignal s = cluster.probe();
      assessed.set(s);
      return s.component() + " " + s.status() + ": " + s.detail();
    }).describedAs("probe the Kafka cluster (brokers, under-replicated and offline partitions)"));
    runbook.step(Step.of("decide", Phase.DECISION, () -> switch (assessed.get().status()) {
      case HEALTHY -> "healthy: nothing to do";
      case DEGRADED -> "degraded but available: recover in place, no failover";
      case FAILED, UNKNOWN -> "failed: fail over to " + failover.to.name();
    }).describedAs("recover in place if degraded, fail over to " + failover.to.name() + " if failed"));
    runbook.step(Step.of("recover", Phase.EXECUTION, () -> switch (assessed.get().status()) {
      case HEALTHY -> "nothing to recover";
      case DEGRADED -> recoverBroker.run();
      case FAILED, UNKNOWN -> switchRouter(failover, "Kafka cluster failed: " + assessed.get().detail());
    }).describedAs("restart the failed broker, or switch the router to " + failover.to.name()));
    runbook.step(Step.of("verify", Phase.VERIFICATION, () -> {
      if (assessed.get().status() == HealthSignal.Status.HEALTHY) {
        return "nothing to verify";
      }
      if (assessed.get().status() == HealthSignal.Status.DEGRADED) {
        return awaitHealthy(cluster, failover.timeout, failover.clock, failover.sleeper);
      }
      return allHealthy(failover.health);
    }).deadline(failover.timeout.plusSeconds(30)).describedAs("wait until the cluster is healthy again, or check " + failover.to.name()));
    return runbook;
  }

  /**
   * the DR guide's manual failover in six steps: verify the region switched to is healthy; switch the router (and the
   * DNS or routing behind its store); check the clients follow (the router's active region and epoch); verify the
   * data replicated there; check the replication lag (recorded as the RPO); start the Flink job and resume the
   * connectors there. If a step fails for good, the switch is undone.
   */
  public static Runbook manualFailover(FailoverPlan plan, String reason) {
    Checks.requireNonNull(plan, "failover plan");
    Checks.requireNonBlank(reason, "reason");
    Runbook runbook = Runbook.named("manual failover to " + plan.to.name());
    Region[] from = new Region[1];
    runbook.step(Step.of("verify " + plan.to.name() + " is healthy", Phase.DECISION, () -> allHealthy(plan.health))
        .describedAs("probe " + plan.health.size() + " components in " + plan.to.name()));
    runbook.step(Step.of("switch the router", Phase.EXECUTION, () -> {
      from[0] = plan.router.active();
      return switchRouter(plan, reason);
    }).compensation(() -> "switched back to " + plan.router.failover(from[0], "undo failover: a later step failed").name())
        .describedAs("make " + plan.to.name() + " the active region (fenced epoch)"));
    addAfterSwitchSteps(runbook, plan);
    return runbook;
  }

  /**
   * The failover a {@link FailoverMonitor} (started by the caller) performs, followed through: waits for the
   * monitor's decision, checks the region switched to is healthy, then the steps after the switch of
   * {@link #manualFailover}. Detection and decision are the
   * monitor's: take them from its {@link FailoverMonitor.Decision} with {@link #withDecision}.
   */
  public static Runbook automatedFailover(FailoverMonitor monitor, FailoverPlan plan, Duration waitFor) {
    Checks.requireNonNull(monitor, "failover monitor");
    Checks.requireNonNull(plan, "failover plan");
    Checks.requirePositive(waitFor, "wait");
    Runbook runbook = Runbook.named("automated failover to " + plan.to.name());
    runbook.step(Step.of("monitor fails over", Phase.DECISION, () -> {
      Instant deadline = plan.clock.instant().plus(waitFor);
      Optional<FailoverMonitor.Decision> d = monitor.decision();
      while (d.isEmpty()) {
        if (plan.clock.instant().isAfter(deadline)) {
          throw new DrTimeoutException(ResourceType.REGION, plan.to.name(), waitFor, "The failover monitor did not switch within " + waitFor);
        }
        plan.sleeper.sleep(POLL);
        d = monitor.decision();
      }
      return "%s → %s at epoch %d (%s)".formatted(d.get().from().name(), d.get().to().name(), d.get().epoch(), d.get().trigger());
    }).deadline(waitFor.plusSeconds(30)).describedAs("wait for the failover monitor's decision"));
    if (!plan.health.isEmpty()) {
      runbook.step(Step.of("verify " + plan.to.name() + " is healthy", Phase.EXECUTION, () -> allHealthy(plan.health))
          .describedAs("probe " + plan.health.size() + " components in " + plan.to.name()));
    }
    addAfterSwitchSteps(runbook, plan);
    return runbook;
  }

  /**
   * Failback: the steps of {@link #manualFailover} back to the primary, whose health and data are verified first.
   * The plan's region is the primary; its Flink job and connectors are those of the primary.
   */
  public static Runbook failback(FailoverPlan toPrimary, String reason) {
    Runbook manual = manualFailover(toPrimary, reason);
    Runbook runbook = Runbook.named("failback to " + toPrimary.to.name());
    manual.steps().forEach(runbook::step);
    return runbook;
  }

  /**
   * A report of {@link #automatedFailover} with detection (failure to detection) and decision (detection to switch)
   * measured by the monitor.
   */
  public static RunbookReport withDecision(RunbookReport report, FailoverMonitor.Decision decision, Instant failureAt) {
    return report.withPhase(Phase.DETECTION, Duration.between(failureAt, decision.detectedAt()))
        .withPhase(Phase.DECISION, Duration.between(decision.detectedAt(), decision.switchedAt()));
  }

  private static void addAfterSwitchSteps(Runbook runbook, FailoverPlan plan) {
    long[] epochAtStart = new long[1];
    runbook.step(Step.of("clients follow", Phase.EXECUTION, () -> {
      Region active = plan.router.active();
      if (!active.name().equals(plan.to.name())) {
        throw new IllegalStateException("the router's active region is " + active.name() + ", not " + plan.to.name());
      }
      epochAtStart[0] = plan.router.epoch();
      return "clients of the router now use %s (%s), epoch %d".formatted(active.name(), active.bootstrapServers(), plan.router.epoch());
    }).describedAs("check the router's active region (what region-aware clients follow)"));
    if (plan.verifier != null) {
      runbook.step(Step.of("verify data", Phase.VERIFICATION, () -> {
        IntegrityReport r = plan.verifier.verify(plan.request.get());
        if (r.verdict() == IntegrityReport.Verdict.FAILED) {
          throw new IllegalStateException("data verification FAILED: " + r.discrepancies().size() + " discrepancies; " + r.toText());
        }
        runbook.recordRpo(r.rpoTime(), r.rpoRecords());
        long records = r.partitions().stream().mapToLong(p -> p.sourceRecords()).sum();
        return "%s: %d records compared, %d not yet replicated".formatted(r.verdict(), records, r.rpoRecords());
      }).deadline(plan.timeout).describedAs("compare the records of both regions (content digests)"));
    }
    if (plan.replicationLag != null) {
      runbook.step(Step.of("check replication lag", Phase.VERIFICATION, () -> {
        HealthSignal s = plan.replicationLag.probe();
        if (s.status() == HealthSignal.Status.FAILED) {
          throw new IllegalStateException("replication FAILED: " + s.detail());
        }
        return s.status() + ": " + s.detail();
      }).describedAs("read the replication lag into " + plan.to.name()));
    }
    if (plan.savepoints != null) {
      runbook.step(Step.of("start the Flink job in " + plan.to.name(), Phase.EXECUTION, () -> {
        Savepoint from = plan.recoveryPoint.get().orElseThrow(() -> new IllegalStateException(
            "no recovery point for " + plan.jobSpec.name() + " in " + plan.to.name() + "; copy a savepoint there first"));
        JobRef job = plan.savepoints.restore(plan.jobSpec, from);
        plan.startedJob.accept(job);
        return "%s started as %s from %s".formatted(plan.jobSpec.name(), job.id(), from.location().orElse(from.id()));
      }).describedAs("restore " + plan.jobSpec.name() + " in " + plan.to.name() + " from its newest recovery point"));
    }
    if (plan.connect != null && !plan.connectors.isEmpty()) {
      runbook.step(Step.of("resume connectors in " + plan.to.name(), Phase.EXECUTION, () -> {
        for (String c : plan.connectors) {
          plan.connect.resume(c);
        }
        for (String c : plan.connectors) {
          plan.connect.awaitState(c, i -> i.state() == ConnectorState.RUNNING
              && i.tasks().stream().allMatch(t -> t.state() == ConnectorState.RUNNING), plan.timeout);
        }
        return "RUNNING: " + plan.connectors;
      }).deadline(plan.timeout.plusSeconds(30)).compensation(() -> {
        plan.connectors.forEach(plan.connect::stop);
        return "stopped again: " + plan.connectors;
      }).describedAs("resume " + plan.connectors + " in " + plan.to.name()));
    }
  }

  private static String switchRouter(FailoverPlan plan, String reason) {
    long before = plan.router.epoch();
    Region active = plan.router.failover(plan.to, reason);
    return before == plan.router.epoch() ? active.name() + " was already active (epoch " + before + ")"
        : "active region %s, epoch %d → %d".formatted(active.name(), before, plan.router.epoch());
  }

  private static String allHealthy(List<HealthProbe> probes) {
    List<String> out = new ArrayList<>();
    for (HealthProbe p : probes) {
      HealthSignal s = p.probe();
      if (!s.healthy()) {
        throw new IllegalStateException(s.component() + " is " + s.status() + ": " + s.detail());
      }
      out.add(s.component() + " HEALTHY");
    }
    return out.isEmpty() ? "no health probes configured" : String.join("; ", out);
  }

  /** Polls until the probe is HEALTHY; the detail of the last signal otherwise. */
  static String awaitHealthy(HealthProbe probe, Duration timeout, Clock clock, Sleeper sleeper) throws InterruptedException {
    Instant deadline = clock.instant().plus(timeout);
    HealthSignal s = probe.probe();
    while (!s.healthy()) {
      if (clock.instant().isAfter(deadline)) {
        throw new DrTimeoutException(ResourceType.COMPONENT, s.component(), timeout,
            "%s not healthy within %s; last seen %s: %s".formatted(s.component(), timeout, s.status(), s.detail()));
      }
      sleeper.sleep(POLL);
      s = probe.probe();
    }
    return s.component() + " HEALTHY: " + s.detail();
  }

  /** "1 task", "2 tasks". */
  private static String count(int n, String thing) {
    return n + " " + thing + (n == 1 ? "" : "s");
  }

  private static String firstLine(String trace) {
    if (trace == null || trace.isBlank()) {
      return "";
    }
    String line = trace.lines().findFirst().orElse("");
    return " (" + (line.length() > 160 ? line.substring(0, 160) + "…" : line) + ")";
  }

  /** For a caller that only has a supplier of the newest recovery point: the newest completed one of {@code job}. */
  public static Supplier<Optional<Savepoint>> newestOf(SavepointClient savepoints, Supplier<JobRef> job) {
    return () -> savepoints.list(job.get()).stream().filter(p -> p.completed() && p.location().isPresent()).findFirst();
  }
}
