package io.streamdr.core.connect;

import java.util.Objects;
import java.util.Optional;

/**
 * One task of a connector.
 *
 * @param id       task number
 * @param state    its state
 * @param workerId the worker running it, if known
 * @param trace    the failure trace, for FAILED
 */
public record TaskInfo(int id, ConnectorState state, Optional<String> workerId, Optional<String> trace) {
  public TaskInfo {
    Objects.requireNonNull(state, "task state");
    workerId = workerId == null ? Optional.empty() : workerId;
    trace = trace == null ? Optional.empty() : trace;
  }
}
