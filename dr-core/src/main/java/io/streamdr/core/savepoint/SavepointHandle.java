package io.streamdr.core.savepoint;

import io.streamdr.core.internal.Checks;

/** A triggered savepoint, to pass to {@link SavepointClient#await}. */
public record SavepointHandle(JobRef job, String triggerId) {
  public SavepointHandle {
    Checks.requireNonNull(job, "job");
    Checks.requireNonBlank(triggerId, "trigger id");
  }
}
