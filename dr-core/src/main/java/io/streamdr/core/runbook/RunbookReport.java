package io.streamdr.core.runbook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.internal.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a runbook (or a drill) did and how it measured up: every step with its outcome and timing, the duration of
 * each phase, the recovery point (records and time), and each objective met or missed. Never holds a secret.
 *
 * @param name        runbook or drill name
 * @param dryRun      whether nothing was executed
 * @param startedAt   start
 * @param finishedAt  end
 * @param steps       every step, in order
 * @param phases      measured duration of each phase
 * @param rpo         age of the oldest change lost (zero if none)
 * @param rpoRecords  records lost or not yet replicated when the recovery happened
 * @param objectives  the objectives it was measured against
 * @param notes       free-form facts worth keeping (what was injected, what was verified)
 * @param timeline    measurements over time (throughput, lag) and markers, if a drill took them
 */
public record RunbookReport(String name, boolean dryRun, Instant startedAt, Instant finishedAt, List<StepResult> steps,
    Map<Phase, Duration> phases, Duration rpo, long rpoRecords, RecoveryObjectives objectives, List<String> notes, Timeline timeline) {

  /** Outcome of a step. */
  public enum Status { OK, FAILED, SKIPPED, DRY_RUN, COMPENSATED }

  /** One step's outcome. */
  public record StepResult(String step, Phase phase, Status status, int attempts, Instant startedAt, Duration duration,
      String detail) {}

  /** One objective, met or missed. */
  public record ObjectiveResult(String objective, Duration limit, Duration measured, boolean met) {}

  public RunbookReport {
    if (rpo.isNegative() || rpoRecords < 0) {
      throw new InvalidRequestException("A recovery point is measured back from the failure and cannot be negative; "
          + "report '%s' was given %s and %d record(s)".formatted(name, rpo, rpoRecords));
    }
    steps = List.copyOf(steps);
    phases = Map.copyOf(phases);
    notes = List.copyOf(notes);
    timeline = timeline == null ? Timeline.EMPTY : timeline;
  }

  /** Total recovery time: the sum of the phases of the recovery ({@link Phase#FAILBACK} is not one). */
  public Duration rto() {
    return phases.entrySet().stream().filter(e -> e.getKey().partOfRecovery()).map(Map.Entry::getValue)
        .reduce(Duration.ZERO, Duration::plus);
  }

  /** Whether every step succeeded (or was only described, in a dry run). */
  public boolean succeeded() {
    return steps.stream().allMatch(s -> s.status() == Status.OK || s.status() == Status.DRY_RUN);
  }

  /** Each objective against what was measured. */
  public List<ObjectiveResult> objectiveResults() {
    List<ObjectiveResult> out = new ArrayList<>();
    out.add(new ObjectiveResult("RTO", objectives.rto(), rto(), rto().compareTo(objectives.rto()) <= 0));
    for (Phase p : Phase.values()) {
      Duration limit = objectives.phases().get(p);
      Duration measured = phases.getOrDefault(p, Duration.ZERO);
      if (limit != null) {
        out.add(new ObjectiveResult(p.name().charAt(0) + p.name().substring(1).toLowerCase(Locale.ROOT), limit, measured,
            measured.compareTo(limit) <= 0));
      }
    }
    out.add(new ObjectiveResult("RPO", objectives.rpo(), rpo, rpo.compareTo(objectives.rpo()) <= 0));
    return out;
  }

  /** Whether every step succeeded and every objective was met. */
  public boolean objectivesMet() {
    return succeeded() && objectiveResults().stream().allMatch(ObjectiveResult::met);
  }

  /** The same report with a phase measured outside the steps (detection by a monitor, for example). */
  public RunbookReport withPhase(Phase phase, Duration measured) {
    Map<Phase, Duration> p = new EnumMap<>(Phase.class);
    p.putAll(phases);
    p.put(phase, measured);
    return new RunbookReport(name, dryRun, startedAt, finishedAt, steps, p, rpo, rpoRecords, objectives, notes, timeline);
  }

  public RunbookReport withRpo(Duration rpo, long records) {
    return new RunbookReport(name, dryRun, startedAt, finishedAt, steps, phases, rpo, records, objectives, notes, timeline);
  }

  public RunbookReport withNote(String note) {
    List<String> n = new ArrayList<>(notes);
    n.add(note);
    return new RunbookReport(name, dryRun, startedAt, finishedAt, steps, phases, rpo, rpoRecords, objectives, n, timeline);
  }

  /** The same report with measurements over time. */
  public RunbookReport withTimeline(Timeline timeline) {
    return new RunbookReport(name, dryRun, startedAt, finishedAt, steps, phases, rpo, rpoRecords, objectives, notes, timeline);
  }

  /** The report as JSON, including the objective results. */
  public String toJson() {
    try {
      var node = Json.MAPPER.valueToTree(this);
      ((ObjectNode) node).set("objectiveResults", Json.MAPPER.valueToTree(objectiveResults()));
      ((ObjectNode) node).put("rtoMeasured", rto().toString());
      ((ObjectNode) node).put("objectivesMet", objectivesMet());
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Report could not be serialized", e);
    }
  }

  /** Readable lines: steps, phases against objectives, RPO. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append(name).append(dryRun ? " (dry run)" : "").append(": ").append(objectivesMet() ? "objectives MET" : "objectives MISSED")
        .append('\n');
    for (StepResult s : steps) {
      sb.append("  %-12s %-11s %-44s %6d ms  %s%n".formatted(s.phase(), s.status(), s.step(), s.duration().toMillis(), s.detail()));
    }
    for (ObjectiveResult o : objectiveResults()) {
      sb.append("  %-12s %10s of %-10s %s%n".formatted(o.objective(), human(o.measured()), human(o.limit()), o.met() ? "met" : "MISSED"));
    }
    sb.append("  RPO records: ").append(rpoRecords).append('\n');
    notes.forEach(n -> sb.append("  note: ").append(n).append('\n'));
    return sb.toString();
  }

  /** A duration as reports write it: 850 ms, 12.4 s, 3.5 min. */
  public static String human(Duration d) {
    long ms = d.toMillis();
    return ms < 10_000 ? ms + " ms" : ms < 600_000 ? "%.1f s".formatted(ms / 1000.0) : "%.1f min".formatted(ms / 60000.0);
  }
}
