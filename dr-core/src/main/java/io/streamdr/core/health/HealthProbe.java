package io.streamdr.core.health;

/**
 * Observes one component and reports a {@link HealthSignal}. Implementations never throw for an unhealthy or
 * unreachable component: that is a FAILED or UNKNOWN signal. Thread-safe; blocks at most for its configured deadline.
 */
@FunctionalInterface
public interface HealthProbe {
  HealthSignal probe();
}
