package io.streamdr.core.health;

import io.streamdr.core.internal.Checks;
import java.time.Instant;
import java.util.Map;

/**
 * What a {@link HealthProbe} observed about one component at one time.
 *
 * @param component what was probed, e.g. {@code connector pg-source} or {@code replication slot dbz_slot}
 * @param status    the verdict
 * @param detail    a readable explanation naming the component and, when not healthy, what to do
 * @param metrics   numbers behind the verdict (lag, retained bytes, failed tasks…), by name
 * @param at        when it was observed
 */
public record HealthSignal(String component, Status status, String detail, Map<String, Double> metrics, Instant at) {
  /** Health verdicts, from best to worst. */
  public enum Status { HEALTHY, DEGRADED, FAILED, UNKNOWN }

  public HealthSignal {
    Checks.requireNonBlank(component, "component");
    Checks.requireNonNull(status, "status");
    detail = detail == null ? "" : detail;
    metrics = Map.copyOf(metrics == null ? Map.of() : metrics);
    Checks.requireNonNull(at, "at");
  }

  public boolean healthy() {
    return status == Status.HEALTHY;
  }
}
