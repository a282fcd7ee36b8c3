package io.streamdr.core.runbook;

import io.streamdr.core.internal.Checks;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Recovery time and point objectives. the DR guide's table by default: RTO under 1 hour, with detection under 5 minutes,
 * decision under 10, execution under 30 and verification under 15; RPO under 5 minutes. Immutable.
 *
 * @param rto    total recovery time objective
 * @param phases per-phase limits
 * @param rpo    recovery point objective: the age of the oldest change that may be lost
 */
public record RecoveryObjectives(Duration rto, Map<Phase, Duration> phases, Duration rpo) {
  public RecoveryObjectives {
    Checks.requirePositive(rto, "rto");
    phases = Map.copyOf(phases);
    Checks.requirePositive(rpo, "rpo");
  }

  public static RecoveryObjectives defaults() {
    Map<Phase, Duration> p = new EnumMap<>(Phase.class);
    p.put(Phase.DETECTION, Duration.ofMinutes(5));
    p.put(Phase.DECISION, Duration.ofMinutes(10));
    p.put(Phase.EXECUTION, Duration.ofMinutes(30));
    p.put(Phase.VERIFICATION, Duration.ofMinutes(15));
    return new RecoveryObjectives(Duration.ofHours(1), p, Duration.ofMinutes(5));
  }

  public RecoveryObjectives withRto(Duration rto) {
    return new RecoveryObjectives(rto, phases, rpo);
  }

  public RecoveryObjectives withPhase(Phase phase, Duration limit) {
    Map<Phase, Duration> p = new EnumMap<>(Phase.class);
    p.putAll(phases);
    p.put(phase, limit);
    return new RecoveryObjectives(rto, p, rpo);
  }

  public RecoveryObjectives withRpo(Duration rpo) {
    return new RecoveryObjectives(rto, phases, rpo);
  }
}
