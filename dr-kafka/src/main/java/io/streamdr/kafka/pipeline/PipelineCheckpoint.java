package io.streamdr.kafka.pipeline;

import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.savepoint.Savepoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a secondary region needs to take a CDC pipeline over from a primary it can no longer reach, as it was at
 * {@link #takenAt}: each connector's configuration (secrets redacted unless kept) and committed source offsets, the
 * stream job's newest recovery point, the positions of the chosen consumer groups, named facts (a replication slot's
 * confirmed LSN, say) and the snapshot of the region's Schema Registry taken with it. Written by
 * {@link PipelineCheckpointer} where the secondary can read it while the primary is gone; its {@link #age} bounds how
 * much of the pipeline's progress a takeover from it repeats.
 *
 * @param takenAt    when it was captured (the capture's start)
 * @param region     the region whose pipeline it describes
 * @param connectors every connector of the region's Connect cluster
 * @param job        the stream job's newest completed savepoint or retained checkpoint, if one was asked for and exists
 * @param groups     committed offsets by group, topic and partition
 * @param facts      anything else the takeover should know, by name
 * @param schemas    the id of the {@code SchemaBackup} snapshot of the region's registry taken with it (the newest
 *                   one if the registry had not changed since), in the same backup target; empty without a registry
 */
public record PipelineCheckpoint(Instant takenAt, String region, List<Connector> connectors, Optional<JobPoint> job,
    Map<String, Map<String, Map<Integer, Long>>> groups, Map<String, String> facts, Optional<String> schemas) {

  /** One connector: its configuration, the state it was in and its committed offsets. */
  public record Connector(String name, Map<String, String> config, ConnectorState state, ConnectorOffsets offsets) {
    public Connector {
      Checks.requireNonBlank(name, "connector name");
      config = Map.copyOf(config);
      Checks.requireNonNull(state, "state");
      Checks.requireNonNull(offsets, "offsets");
    }

    @Override
    public String toString() {
      return "Connector[" + name + ", " + state + ", " + offsets.offsets().size() + " offset partition(s)]"; // config may hold secrets
    }
  }

  /** A job's recovery point, as its {@code SavepointClient} reported it. */
  public record JobPoint(String job, String id, Savepoint.Kind kind, Optional<String> location, Optional<Instant> completedAt) {
    static JobPoint of(Savepoint s) {
      return new JobPoint(s.job().id(), s.id(), s.kind(), s.location(), s.completedAt());
    }
  }

  public PipelineCheckpoint {
    Checks.requireNonNull(takenAt, "takenAt");
    Checks.requireNonBlank(region, "region");
    connectors = List.copyOf(connectors);
    job = job == null ? Optional.empty() : job;
    groups = Map.copyOf(groups);
    facts = Map.copyOf(facts);
    schemas = schemas == null ? Optional.empty() : schemas; // a checkpoint written before schemas were kept
  }

  /** How old it is now. */
  public Duration age(Clock clock) {
    return Duration.between(takenAt, clock.instant());
  }

  /** The connector of that name. */
  public Optional<Connector> connector(String name) {
    return connectors.stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
