package io.streamdr.connect;

import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal.Status;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.internal.Checks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Checks a PostgreSQL logical replication slot that a Debezium connector reads: that it exists, its output plugin,
 * whether a client is streaming from it, and how much WAL it retains behind the current LSN (WAL the server cannot
 * recycle until the connector confirms it). A missing or inactive slot is a FAILED signal naming the slot; retained
 * WAL above the threshold is DEGRADED. Needs the PostgreSQL JDBC driver (an optional dependency of this module).
 */
public final class ReplicationSlotCheck implements HealthProbe {
  private final DataSource dataSource;
  private final String slot;
  private final long maxRetainedBytes;
  private final Clock clock;

  /** What the server says about the slot. */
  public record SlotStatus(String slot, String plugin, String type, boolean active, long retainedWalBytes,
      Optional<String> confirmedFlushLsn) {}

  /**
   * @param dataSource       the database the slot lives in
   * @param slot             the slot name (Debezium's {@code slot.name})
   * @param maxRetainedBytes retained WAL above which the slot is DEGRADED
   */
  public ReplicationSlotCheck(DataSource dataSource, String slot, long maxRetainedBytes, Clock clock) {
    this.dataSource = Checks.requireNonNull(dataSource, "data source");
    this.slot = Checks.requireNonBlank(slot, "slot name");
    this.maxRetainedBytes = maxRetainedBytes;
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /** A check with a 1 GiB retained-WAL threshold. */
  public ReplicationSlotCheck(DataSource dataSource, String slot) {
    this(dataSource, slot, 1L << 30, Clock.systemUTC());
  }

  /** The slot's status, or empty if there is no such slot. Throws if the database cannot be queried. */
  public Optional<SlotStatus> status() {
    String sql = "select slot_name, plugin, slot_type, active,"
        + " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint as retained,"
        + " confirmed_flush_lsn::text from pg_replication_slots where slot_name = ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new SlotStatus(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
            rs.getLong(5), Optional.ofNullable(rs.getString(6))));
      }
    } catch (SQLException e) {
      throw new UnreachableException(ResourceType.REPLICATION_SLOT, slot,
          "Could not read pg_replication_slots for slot '%s': %s; check the database connection and that the user may read it"
              .formatted(slot, e.getMessage()), e);
    }
  }

  /**
   * Ends the database connection that holds the slot ({@code pg_terminate_backend} of its {@code active_pid}), so a
   * connector started in another region can take it over: the takeover's fence against the primary region's Debezium,
   * which may still be connected although its region is unreachable. Returns the process id it ended, or empty when
   * nothing held the slot. Needs a superuser, or a member of {@code pg_signal_backend} for the connector's own user.
   */
  public Optional<Integer> fence() {
    String sql = "select active_pid, pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = ? and active_pid is not null";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        if (!rs.getBoolean(2)) {
          throw new OperationFailedException(ResourceType.REPLICATION_SLOT, slot, ("Could not end process %d holding slot '%s';"
              + " end it with pg_terminate_backend as a superuser").formatted(rs.getInt(1), slot), null, false);
        }
        return Optional.of(rs.getInt(1));
      }
    } catch (SQLException e) {
      throw new OperationFailedException(ResourceType.REPLICATION_SLOT, slot,
          "Could not end the connection holding slot '%s': %s; the user needs superuser or pg_signal_backend".formatted(slot, e.getMessage()),
          e, false);
    }
  }

  /**
   * Whether a connector can resume from the slot: FAILED only when the slot is gone (a restart cannot bring its
   * position back); an inactive slot is what a failed connector leaves and counts as HEALTHY here. The source check
   * for {@link io.streamdr.core.runbook.Runbooks#connectorFailure}.
   */
  public HealthProbe resumability() {
    return () -> probe(true);
  }

  @Override
  public HealthSignal probe() {
    return probe(false);
  }

  private HealthSignal probe(boolean inactiveIsResumable) {
    String component = "replication slot " + slot;
    Optional<SlotStatus> status;
    try {
      status = status();
    } catch (RuntimeException e) {
      return new HealthSignal(component, Status.UNKNOWN, e.getMessage(), Map.of(), clock.instant());
    }
    if (status.isEmpty()) {
      return new HealthSignal(component, Status.FAILED,
          "Replication slot '%s' does not exist; the connector will snapshot again or fail — recreate it or restore the connector's offsets"
              .formatted(slot), Map.of(), clock.instant());
    }
    SlotStatus s = status.get();
    Map<String, Double> metrics = Map.of("retained_wal_bytes", (double) s.retainedWalBytes(), "active", s.active() ? 1.0 : 0.0);
    if (!s.active() && inactiveIsResumable) {
      return new HealthSignal(component, Status.HEALTHY, "Replication slot '%s' exists (inactive) and keeps the connector's position"
          .formatted(slot), metrics, clock.instant());
    }
    if (!s.active()) {
      return new HealthSignal(component, Status.FAILED,
          "Replication slot '%s' (%s) is inactive: no connector streams from it and it retains %d bytes of WAL; restart the connector"
              .formatted(slot, s.plugin(), s.retainedWalBytes()), metrics, clock.instant());
    }
    if (s.retainedWalBytes() > maxRetainedBytes) {
      return new HealthSignal(component, Status.DEGRADED,
          "Replication slot '%s' retains %d bytes of WAL (threshold %d); the connector is falling behind"
              .formatted(slot, s.retainedWalBytes(), maxRetainedBytes), metrics, clock.instant());
    }
    return new HealthSignal(component, Status.HEALTHY,
        "Replication slot '%s' (%s) is active, retaining %d bytes of WAL".formatted(slot, s.plugin(), s.retainedWalBytes()),
        metrics, clock.instant());
  }
}
