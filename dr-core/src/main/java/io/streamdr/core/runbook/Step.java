package io.streamdr.core.runbook;

import io.streamdr.core.internal.Checks;
import java.time.Duration;
import java.util.Optional;

/**
 * One step of a {@link Runbook}: an action with a deadline, retries and an optional compensation (run, in reverse
 * order, for completed steps when a later step fails). Immutable; build with {@link #of(String, Phase, Action)}.
 */
public final class Step {
  /** What a step does; returns a short description of what it did (never a secret). */
  @FunctionalInterface
  public interface Action {
    String run() throws Exception;
  }

  private final String name;
  private final Phase phase;
  private final Action action;
  private final Duration deadline;
  private final int retries;
  private final Action compensation;
  private final String description;

  private Step(String name, Phase phase, Action action, Duration deadline, int retries, Action compensation, String description) {
    this.name = Checks.requireNonBlank(name, "step name");
    this.phase = Checks.requireNonNull(phase, "phase");
    this.action = Checks.requireNonNull(action, "action");
    this.deadline = Checks.requirePositive(deadline, "deadline");
    this.retries = (int) Checks.requireNonNegative(retries, "retries of step '" + name + "'");
    this.compensation = compensation;
    this.description = description == null ? name : description;
  }

  /** A step with a 5-minute deadline, no retries and no compensation. */
  public static Step of(String name, Phase phase, Action action) {
    return new Step(name, phase, action, Duration.ofMinutes(5), 0, null, null);
  }

  public Step deadline(Duration deadline) {
    return new Step(name, phase, action, deadline, retries, compensation, description);
  }

  public Step retries(int retries) {
    return new Step(name, phase, action, deadline, retries, compensation, description);
  }

  public Step compensation(Action compensation) {
    return new Step(name, phase, action, deadline, retries, compensation, description);
  }

  /** What the step would do, shown by a dry run. */
  public Step describedAs(String description) {
    return new Step(name, phase, action, deadline, retries, compensation, description);
  }

  public String name() {
    return name;
  }

  public Phase phase() {
    return phase;
  }

  Action action() {
    return action;
  }

  public Duration deadline() {
    return deadline;
  }

  public int retries() {
    return retries;
  }

  Optional<Action> compensationAction() {
    return Optional.ofNullable(compensation);
  }

  public String description() {
    return description;
  }
}
