package io.streamdr.core.savepoint;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.SavepointFailedException;
import java.time.Duration;
import java.util.List;

/**
 * Takes and restores recovery points of stream-processing jobs. Thread-safe; every call blocks with a deadline.
 *
 * <pre>{@code
 * SavepointHandle h = savepoints.trigger(job, SavepointOptions.defaults());
 * Savepoint sp = savepoints.await(h, Duration.ofMinutes(10));
 * JobRef restarted = savepoints.restore(spec, sp);
 * }</pre>
 */
public interface SavepointClient {

  /**
   * Requests a savepoint and returns at once. Idempotent per {@link SavepointOptions#triggerId()}: triggering again
   * with the same id returns the same handle and takes no second savepoint.
   *
   * @throws NotFoundException if the job does not exist
   * @throws ConflictException if the job is not running
   */
  SavepointHandle trigger(JobRef job, SavepointOptions options);

  /**
   * Waits until the savepoint completes.
   *
   * @return the COMPLETED savepoint with its location
   * @throws SavepointFailedException if it failed (never replaced by an older checkpoint)
   * @throws DrTimeoutException if it is still in progress after {@code timeout}
   */
  Savepoint await(SavepointHandle handle, Duration timeout);

  /** Completed recovery points of the job that the platform knows, newest first. */
  List<Savepoint> list(JobRef job);

  /**
   * Starts (or updates) the job described by {@code spec} from the recovery point.
   *
   * @return the started job
   */
  JobRef restore(JobSpec spec, Savepoint from);

  /** Triggers a savepoint and waits for it. */
  default Savepoint take(JobRef job, SavepointOptions options, Duration timeout) {
    return await(trigger(job, options), timeout);
  }
}
