package io.streamdr.core.connect;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Redaction;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A connector's configuration and status. {@link #toString()} never shows secret configuration values.
 *
 * @param name   connector name
 * @param type   {@code source} or {@code sink}, if known
 * @param config its configuration
 * @param state  the connector's own state
 * @param trace  the connector's failure trace, for FAILED
 * @param tasks  its tasks (none while STOPPED)
 */
public record ConnectorInfo(String name, Optional<String> type, Map<String, String> config, ConnectorState state,
    Optional<String> trace, List<TaskInfo> tasks) {
  public ConnectorInfo {
    Checks.requireNonBlank(name, "connector name");
    type = type == null ? Optional.empty() : type;
    config = Map.copyOf(config);
    Checks.requireNonNull(state, "state");
    trace = trace == null ? Optional.empty() : trace;
    tasks = List.copyOf(tasks);
  }

  /** Whether the connector or any task is FAILED. */
  public boolean anyFailed() {
    return state == ConnectorState.FAILED || tasks.stream().anyMatch(t -> t.state() == ConnectorState.FAILED);
  }

  /** Whether the connector and all its tasks are RUNNING (and it has at least one task). */
  public boolean fullyRunning() {
    return state == ConnectorState.RUNNING && !tasks.isEmpty()
        && tasks.stream().allMatch(t -> t.state() == ConnectorState.RUNNING);
  }

  @Override
  public String toString() {
    return "ConnectorInfo[name=%s, type=%s, state=%s, tasks=%s, config=%s]"
        .formatted(name, type.orElse("?"), state, tasks.stream().map(t -> t.id() + ":" + t.state()).toList(),
            Redaction.redact(config));
  }
}
