package io.streamdr.core.runbook;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Redaction;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named sequence of {@link Step}s run in order, each within its deadline and with its retries. When a step fails
 * for good, the compensations of the steps that completed run in reverse order and the runbook stops. A dry run
 * executes nothing and reports what each step would do. The {@link RunbookReport} records every step's outcome and
 * timing and the time spent in each {@link Phase}; step details pass through secret redaction. Not thread-safe:
 * run one at a time.
 *
 * <pre>{@code
 * RunbookReport report = Runbook.named("connector failure")
 *     .step(Step.of("status", Phase.DETECTION, () -> admin.describe("pg").state().name()))
 *     .step(Step.of("restart failed tasks", Phase.EXECUTION, () -> { admin.restart("pg", RestartOptions.FAILED); return "restarted"; }).retries(2))
 *     .run(RecoveryObjectives.defaults());
 * }</pre>
 */
public final class Runbook {
  private static final Logger LOG = LoggerFactory.getLogger(Runbook.class);
  private final String name;
  private final List<Step> steps = new ArrayList<>();
  private Clock clock = Clock.systemUTC();
  private Consumer<String> progress = s -> { };
  private volatile Duration rpo = Duration.ZERO;
  private volatile long rpoRecords;

  private Runbook(String name) {
    this.name = Checks.requireNonBlank(name, "runbook name");
  }

  public static Runbook named(String name) {
    return new Runbook(name);
  }

  public Runbook step(Step step) {
    steps.add(Checks.requireNonNull(step, "step"));
    return this;
  }

  public Runbook clock(Clock clock) {
    this.clock = Checks.requireNonNull(clock, "clock");
    return this;
  }

  /** Called with a line before and after each step (for a console). */
  public Runbook progress(Consumer<String> progress) {
    this.progress = Checks.requireNonNull(progress, "progress");
    return this;
  }

  /**
   * Records the recovery point measured by a step (the age of the oldest change lost or not yet replicated, and how
   * many records that is); the latest recorded value goes into the report. Safe to call from a step.
   */
  public void recordRpo(Duration rpo, long records) {
    this.rpo = Checks.requireNonNull(rpo, "rpo");
    this.rpoRecords = records;
  }

  public String name() {
    return name;
  }

  public List<Step> steps() {
    return List.copyOf(steps);
  }

  /** Runs the steps in order; a step that fails after its retries undoes the steps done before it, newest first. */
  public RunbookReport run(RecoveryObjectives objectives) {
    return execute(objectives, false);
  }

  /** Runs nothing: reports what each step would do. The runbook can be run afterwards as it is. */
  public RunbookReport dryRun(RecoveryObjectives objectives) {
    return execute(objectives, true);
  }

  private RunbookReport execute(RecoveryObjectives objectives, boolean dryRun) {
    Instant started = clock.instant();
    rpo = Duration.ZERO;
    rpoRecords = 0;
    List<RunbookReport.StepResult> results = new ArrayList<>();
    Map<Phase, Duration> phases = new EnumMap<>(Phase.class);
    List<Step> done = new ArrayList<>();
    ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "streamdr-runbook-" + name);
      t.setDaemon(true);
      return t;
    });
    try {
      boolean failed = false;
      for (Step step : steps) {
        Instant stepStart = clock.instant();
        if (dryRun) {
          progress.accept("would " + step.description());
          results.add(new RunbookReport.StepResult(step.name(), step.phase(), RunbookReport.Status.DRY_RUN, 0, stepStart,
              Duration.ZERO, "would " + step.description()));
          continue;
        }
        if (failed) {
          results.add(new RunbookReport.StepResult(step.name(), step.phase(), RunbookReport.Status.SKIPPED, 0, stepStart,
              Duration.ZERO, "skipped after an earlier failure"));
          continue;
        }
        progress.accept("▶ " + step.name());
        int attempts = 0;
        String detail = "";
        boolean ok = false;
        long t0 = System.nanoTime();
        while (!ok && attempts <= step.retries()) {
          attempts++;
          Future<String> f = runner.submit(() -> step.action().run());
          try {
            detail = String.valueOf(f.get(step.deadline().toMillis(), TimeUnit.MILLISECONDS));
            ok = true;
          } catch (TimeoutException e) {
            f.cancel(true);
            detail = "exceeded its deadline of " + step.deadline();
          } catch (ExecutionException e) {
            detail = e.getCause().getMessage() == null ? e.getCause().toString() : e.getCause().getMessage();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            detail = "interrupted";
            break;
          }
          if (!ok) {
            LOG.warn("Step '{}' of runbook '{}' failed (attempt {} of {}): {}", step.name(), name, attempts, step.retries() + 1, detail);
          }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        phases.merge(step.phase(), took, Duration::plus);
        detail = Redaction.redactText(detail, List.of());
        results.add(new RunbookReport.StepResult(step.name(), step.phase(), ok ? RunbookReport.Status.OK : RunbookReport.Status.FAILED,
            attempts, stepStart, took, detail));
        progress.accept((ok ? "✔ " : "✘ ") + step.name() + " (" + RunbookReport.human(took) + "): " + detail);
        if (ok) {
          done.add(step);
        } else {
          failed = true;
          compensate(done, results, runner);
        }
      }
    } finally {
      runner.shutdownNow();
    }
    return new RunbookReport(name, dryRun, started, clock.instant(), results, phases, rpo, rpoRecords, objectives, List.of(), Timeline.EMPTY);
  }

  private void compensate(List<Step> done, List<RunbookReport.StepResult> results, ExecutorService runner) {
    for (int i = done.size() - 1; i >= 0; i--) {
      Step step = done.get(i);
      if (step.compensationAction().isEmpty()) {
        continue;
      }
      Instant at = clock.instant();
      long t0 = System.nanoTime();
      String detail;
      try {
        detail = runner.submit(() -> step.compensationAction().get().run()).get(step.deadline().toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        detail = "compensation failed: " + e;
      }
      results.add(new RunbookReport.StepResult("undo " + step.name(), step.phase(), RunbookReport.Status.COMPENSATED, 1, at,
          Duration.ofNanos(System.nanoTime() - t0), Redaction.redactText(detail, List.of())));
    }
  }
}
