package io.streamdr.core.connect;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.http.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * Administers connectors of one Kafka Connect cluster (self-managed or Confluent Cloud). Thread-safe; calls block
 * with the deadline the implementation was configured with. Every method naming a connector throws
 * {@link NotFoundException} if it does not exist.
 */
public interface ConnectorAdmin {

  /** Names of all connectors, sorted. */
  List<String> connectors();

  /** Configuration, state and tasks of a connector. */
  ConnectorInfo describe(String name);

  /** Creates the connector, or updates its configuration if it exists. Idempotent. */
  void apply(ConnectorSpec spec);

  /** Deletes a connector. Its committed offsets stay in the cluster's offsets store. */
  void delete(String name);

  /** Restarts the connector and, as the options say, its tasks. */
  void restart(String name, RestartOptions options);

  /** Pauses the connector and its tasks; idempotent. */
  void pause(String name);

  /** Resumes a PAUSED or STOPPED connector; idempotent. */
  void resume(String name);

  /** Stops the connector: its tasks are shut down and removed, its offsets become alterable (KIP-875). */
  void stop(String name);

  /** The connector's committed offsets. */
  ConnectorOffsets offsets(String name);

  /**
   * Alters committed offsets of the listed partitions.
   *
   * @throws ConflictException if the connector is not STOPPED
   */
  void alterOffsets(String name, ConnectorOffsets offsets);

  /**
   * Removes all committed offsets, so the connector starts from scratch.
   *
   * @throws ConflictException if the connector is not STOPPED
   */
  void resetOffsets(String name);

  /**
   * Alters offsets of a running connector the way KIP-875 requires: stops it, waits until it is STOPPED, alters the
   * offsets, then resumes it if it was RUNNING or PAUSED before (a PAUSED connector is paused again).
   *
   * @throws DrTimeoutException if the connector does not stop within {@code timeout}
   */
  default void stopAlterResume(String name, ConnectorOffsets offsets, Duration timeout) {
    ConnectorState before = describe(name).state();
    if (before != ConnectorState.STOPPED) {
      stop(name);
      awaitState(name, i -> i.state() == ConnectorState.STOPPED && i.tasks().isEmpty(), timeout);
    }
    alterOffsets(name, offsets);
    if (before == ConnectorState.RUNNING || before == ConnectorState.PAUSED || before == ConnectorState.FAILED) {
      resume(name);
      if (before == ConnectorState.PAUSED) {
        pause(name);
      }
    }
  }

  /**
   * Polls {@link #describe} until the condition holds, with pauses growing from 25 ms to 500 ms.
   *
   * @throws DrTimeoutException if it does not hold within {@code timeout}
   */
  default ConnectorInfo awaitState(String name, Predicate<ConnectorInfo> condition, Duration timeout) {
    return awaitState(name, condition, timeout, Clock.systemUTC(), Sleeper.SYSTEM);
  }

  /**
   * As {@link #awaitState(String, Predicate, Duration)}, with the clock that measures the deadline and the sleeper
   * that pauses between polls (a test passes its own to wait without waiting).
   *
   * @throws DrTimeoutException if it does not hold within {@code timeout} by {@code clock}
   * @throws DrInterruptedException if the thread is interrupted while it pauses
   */
  default ConnectorInfo awaitState(String name, Predicate<ConnectorInfo> condition, Duration timeout, Clock clock,
      Sleeper sleeper) {
    Instant deadline = clock.instant().plus(timeout);
    ConnectorInfo last = describe(name);
    Duration pause = Duration.ofMillis(25);
    while (!condition.test(last)) {
      if (clock.instant().isAfter(deadline)) {
        throw new DrTimeoutException(ResourceType.CONNECTOR, name, timeout,
            "Connector '%s' did not reach the expected state within %s; last seen %s with tasks %s"
                .formatted(name, timeout, last.state(), last.tasks().stream().map(t -> t.id() + ":" + t.state()).toList()));
      }
      try {
        sleeper.sleep(pause);
      } catch (InterruptedException e) {
        throw new DrInterruptedException("waiting for connector '%s'".formatted(name), e);
      }
      pause = Collections.min(List.of(pause.multipliedBy(2), Duration.ofMillis(500)));
      last = describe(name);
    }
    return last;
  }
}
