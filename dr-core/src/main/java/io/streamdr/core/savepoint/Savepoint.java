package io.streamdr.core.savepoint;

import io.streamdr.core.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * A recovery point of a job.
 *
 * @param job          the job it belongs to
 * @param id           trigger id (savepoints), checkpoint id (checkpoints), or capture id (offsets)
 * @param kind         what it is
 * @param state        where it is in its lifecycle
 * @param location     where its data lives (a savepoint directory), or serialized offsets for {@link Kind#OFFSETS}
 * @param failureCause why it failed, for FAILED
 * @param triggeredAt  when it was requested
 * @param completedAt  when it reached a terminal state
 */
public record Savepoint(JobRef job, String id, Kind kind, SavepointState state, Optional<String> location,
    Optional<String> failureCause, Instant triggeredAt, Optional<Instant> completedAt) {

  /** What a recovery point is. */
  public enum Kind {
    /** A user-triggered Flink savepoint. */
    SAVEPOINT,
    /** A retained Flink checkpoint. */
    CHECKPOINT,
    /** Source offsets captured from a Confluent Cloud Flink statement; state is rebuilt, not restored. */
    OFFSETS
  }

  public Savepoint {
    Checks.requireNonNull(job, "job");
    Checks.requireNonBlank(id, "savepoint id");
    Checks.requireNonNull(kind, "kind");
    Checks.requireNonNull(state, "state");
    location = location == null ? Optional.empty() : location;
    failureCause = failureCause == null ? Optional.empty() : failureCause;
    Checks.requireNonNull(triggeredAt, "triggeredAt");
    completedAt = completedAt == null ? Optional.empty() : completedAt;
  }

  public boolean completed() {
    return state == SavepointState.COMPLETED;
  }
}
