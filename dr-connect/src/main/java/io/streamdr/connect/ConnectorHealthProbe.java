package io.streamdr.connect;

import io.streamdr.core.DrException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.TaskInfo;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.health.HealthSignal.Status;
import io.streamdr.core.internal.Checks;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Health of connectors for the failover policy: FAILED if any listed connector or task is FAILED (naming them),
 * DEGRADED if one is paused, unassigned or missing tasks, UNKNOWN if Connect cannot be reached.
 */
public final class ConnectorHealthProbe implements HealthProbe {
  private final ConnectorAdmin admin;
  private final List<String> connectors;
  private final Clock clock;

  /** Probes the given connectors; an empty list means every connector of the cluster. */
  public ConnectorHealthProbe(ConnectorAdmin admin, List<String> connectors, Clock clock) {
    this.admin = Checks.requireNonNull(admin, "admin");
    this.connectors = List.copyOf(connectors);
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  @Override
  public HealthSignal probe() {
    String component = "connectors " + (connectors.isEmpty() ? "(all)" : connectors);
    int failedTasks = 0;
    int runningTasks = 0;
    StringBuilder failed = new StringBuilder();
    StringBuilder degraded = new StringBuilder();
    try {
      List<String> names = connectors.isEmpty() ? admin.connectors() : connectors;
      for (String name : names) {
        ConnectorInfo info;
        try {
          info = admin.describe(name);
        } catch (NotFoundException e) {
          failed.append(" connector '").append(name).append("' is missing;");
          continue;
        }
        if (info.state() == ConnectorState.FAILED) {
          failed.append(" connector '").append(name).append("' FAILED");
          info.trace().ifPresent(t -> failed.append(" (").append(firstLine(t)).append(")"));
          failed.append(';');
        }
        for (TaskInfo t : info.tasks()) {
          if (t.state() == ConnectorState.FAILED) {
            failedTasks++;
            failed.append(" task ").append(name).append('/').append(t.id()).append(" FAILED");
            t.trace().ifPresent(tr -> failed.append(" (").append(firstLine(tr)).append(")"));
            failed.append(';');
          } else if (t.state() == ConnectorState.RUNNING) {
            runningTasks++;
          }
        }
        if (info.state() == ConnectorState.PAUSED || info.state() == ConnectorState.UNASSIGNED
            || (info.state() == ConnectorState.RUNNING && info.tasks().isEmpty())) {
          degraded.append(" connector '").append(name).append("' is ").append(info.state())
              .append(info.tasks().isEmpty() ? " with no tasks" : "").append(';');
        }
      }
    } catch (DrException e) {
      return new HealthSignal(component, Status.UNKNOWN, "Connect unreachable: " + e.getMessage(), Map.of(), clock.instant());
    }
    Map<String, Double> metrics = Map.of("failed_tasks", (double) failedTasks, "running_tasks", (double) runningTasks);
    if (failed.length() > 0) {
      return new HealthSignal(component, Status.FAILED, "Failing:" + failed
          + " once the cause is fixed, restart what failed: POST /connectors/<name>/restart?includeTasks=true&onlyFailed=true on the Connect REST API",
          metrics, clock.instant());
    }
    if (degraded.length() > 0) {
      return new HealthSignal(component, Status.DEGRADED, "Not fully running:" + degraded, metrics, clock.instant());
    }
    return new HealthSignal(component, Status.HEALTHY, "All connectors and tasks RUNNING", metrics, clock.instant());
  }

  private static String firstLine(String trace) {
    int nl = trace.indexOf('\n');
    return nl < 0 ? trace : trace.substring(0, nl);
  }
}
