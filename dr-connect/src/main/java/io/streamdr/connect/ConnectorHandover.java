package io.streamdr.connect;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves running connectors from one Connect cluster to another with their exact positions, while both are up: a
 * failback, or any planned move. Each connector is stopped where it runs (KIP-875: its offsets are final once it is
 * STOPPED), its offsets read there, written to the connector of the same name in the other cluster and that one
 * started; so no change is captured twice by the two and none is skipped.
 *
 * <p>A connector that already exists in the cluster taking over, as the connectors of a region that comes back
 * after an outage do (its Connect worker resumes them from its config topic), keeps its own configuration, which is
 * that region's definition: it is stopped first, before the one it replaces, and then given the offsets. One that
 * does not exist is created from the configuration the other cluster runs. A connector already handed over (STOPPED
 * where it ran, RUNNING in the other) is left as it is, so a handover that stopped is completed by running it again;
 * one that is not RUNNING where it runs otherwise is refused before anything changes.
 *
 * <pre>{@code
 * List<ConnectorHandover.Outcome> done = ConnectorHandover.from(secondaryConnect).to(primaryConnect)
 *     .offsets((name, offsets) -> DebeziumPostgresOffsets.resumableFrom(offsets, confirmedLsn)) // optional
 *     .handOver(List.of("pg-business-events"));
 * }</pre>
 */
public final class ConnectorHandover {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectorHandover.class);
  private final ConnectorAdmin from;
  private final ConnectorAdmin to;
  private final BiFunction<String, ConnectorOffsets, ConnectorOffsets> offsets;
  private final BiFunction<String, Map<String, String>, Map<String, String>> config;
  private final Duration timeout;

  private ConnectorHandover(ConnectorAdmin from, ConnectorAdmin to, BiFunction<String, ConnectorOffsets, ConnectorOffsets> offsets,
      BiFunction<String, Map<String, String>, Map<String, String>> config, Duration timeout) {
    this.from = from;
    this.to = to;
    this.offsets = offsets;
    this.config = config;
    this.timeout = timeout;
  }

  /** A handover of connectors running in {@code from}. */
  public static Target from(ConnectorAdmin from) {
    return new Target(Checks.requireNonNull(from, "from"));
  }

  /** The cluster taking over. */
  public static final class Target {
    private final ConnectorAdmin from;

    private Target(ConnectorAdmin from) {
      this.from = from;
    }

    public ConnectorHandover to(ConnectorAdmin to) {
      return new ConnectorHandover(from, Checks.requireNonNull(to, "to"), (name, o) -> o, (name, c) -> c, Duration.ofMinutes(2));
    }
  }

  /**
   * Changes the offsets read from the connector stopped before they are written to the one taking over, e.g.
   * {@link DebeziumPostgresOffsets#resumableFrom} to resume where a replication slot still streams from.
   */
  public ConnectorHandover offsets(BiFunction<String, ConnectorOffsets, ConnectorOffsets> change) {
    return new ConnectorHandover(from, to, Checks.requireNonNull(change, "offsets change"), config, timeout);
  }

  /**
   * Changes the configuration of a connector the cluster taking over does not have before it is created there from the
   * running one's, e.g. to point its converters at that region's Schema Registry. A connector the cluster taking
   * over has keeps its own configuration.
   */
  public ConnectorHandover config(BiFunction<String, Map<String, String>, Map<String, String>> change) {
    return new ConnectorHandover(from, to, offsets, Checks.requireNonNull(change, "config change"), timeout);
  }

  /** How long each stop and start may take (default 2 minutes). */
  public ConnectorHandover timeout(Duration timeout) {
    return new ConnectorHandover(from, to, offsets, config, Checks.requirePositive(timeout, "timeout"));
  }

  /**
   * What happened to one connector.
   *
   * @param connector  its name
   * @param handedOver true when it runs in the cluster taking over and is STOPPED where it ran
   * @param created    true when it was created in the cluster taking over, false when that cluster had it
   * @param partitions how many source partitions' offsets were carried
   * @param tookMillis how long from the first stop to running in the cluster taking over
   * @param detail     what was done, or what failed and what to do
   */
  public record Outcome(String connector, boolean handedOver, boolean created, int partitions, long tookMillis, String detail) {}

  /**
   * Hands each connector over, one after another; a failure of one is its outcome and does not stop the others.
   * Nothing is changed for a connector that does not run in the cluster it is taken from.
   */
  public List<Outcome> handOver(List<String> connectors) {
    List<Outcome> outcomes = new ArrayList<>();
    for (String name : connectors) {
      long t0 = System.nanoTime();
      try {
        outcomes.add(handOverOne(name, t0));
      } catch (DrException e) {
        LOG.warn("Handover of connector '{}' failed: {}", name, e.getMessage());
        outcomes.add(new Outcome(name, false, false, 0, (System.nanoTime() - t0) / 1_000_000, e.getMessage()));
      }
    }
    return outcomes;
  }

  private Outcome handOverOne(String name, long t0) {
    ConnectorInfo running = from.describe(name); // NotFoundException names the connector
    if (running.state() == ConnectorState.STOPPED && to.connectors().contains(name) && to.describe(name).state() == ConnectorState.RUNNING) {
      return new Outcome(name, true, false, 0, (System.nanoTime() - t0) / 1_000_000,
          "already handed over (STOPPED where it ran, RUNNING where it was handed to), left as it is");
    }
    if (running.state() != ConnectorState.RUNNING) {
      throw new ConflictException(ResourceType.CONNECTOR, name, ("Connector '%s' is %s where it is taken from, not RUNNING; resume it there"
          + " (or restore it from a snapshot) before handing it over").formatted(name, running.state()));
    }
    Optional<ConnectorInfo> existing = to.connectors().contains(name) ? Optional.of(to.describe(name)) : Optional.empty();
    // the connector of the returning region first: two capturing at once would each take what the other has not
    if (existing.isPresent() && existing.get().state() != ConnectorState.STOPPED) {
      to.stop(name);
    }
    if (existing.isPresent()) {
      to.awaitState(name, i -> i.state() == ConnectorState.STOPPED && i.tasks().isEmpty(), timeout);
    }
    from.stop(name);
    from.awaitState(name, i -> i.state() == ConnectorState.STOPPED && i.tasks().isEmpty(), timeout);
    ConnectorOffsets carried = offsets.apply(name, from.offsets(name));
    if (existing.isEmpty()) {
      to.apply(new ConnectorSpec(name, config.apply(name, running.config()), Optional.of(ConnectorState.STOPPED)));
      to.awaitState(name, i -> i.state() == ConnectorState.STOPPED, timeout);
    }
    try {
      if (!carried.isEmpty()) {
        to.alterOffsets(name, carried);
      }
      to.resume(name);
      to.awaitState(name, ConnectorInfo::fullyRunning, timeout);
    } catch (DrException e) {
      throw new OperationFailedException(ResourceType.CONNECTOR, name, ("Connector '%s' is STOPPED in both clusters: it could not be started in the one taking"
          + " over (%s); fix that and resume it there, or resume it where it ran").formatted(name, e.getMessage()), e, e.retryable());
    }
    long took = (System.nanoTime() - t0) / 1_000_000;
    LOG.info("Connector '{}' handed over with {} offset partition(s) in {} ms", name, carried.offsets().size(), took);
    return new Outcome(name, true, existing.isEmpty(), carried.offsets().size(), took, "%s with %d offset partition(s) carried, %s"
        .formatted(existing.isEmpty() ? "created" : "kept its own configuration", carried.offsets().size(),
            "STOPPED where it ran, RUNNING where it was handed to"));
  }
}
