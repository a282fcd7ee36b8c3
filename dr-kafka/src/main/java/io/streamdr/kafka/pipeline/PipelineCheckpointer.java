package io.streamdr.kafka.pipeline;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.DrException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Redaction;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointState;
import io.streamdr.kafka.internal.Bootstrap;
import io.streamdr.kafka.schema.SchemaBackup;
import io.streamdr.kafka.schema.SchemaSnapshot;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures {@link PipelineCheckpoint}s of one region's pipeline and keeps them in a {@link BackupTarget} the other
 * region can read (the backups' bucket, say), under {@code pipeline/<region>/<instant>.json}; each is published
 * atomically, so a reader never sees half of one. Run it on a schedule with {@link #every}, or call {@link #capture}
 * from a runbook; read the newest back with {@link #latest}.
 *
 * <pre>{@code
 * PipelineCheckpointer checkpoints = PipelineCheckpointer.builder(backups, "us-east-1")
 *     .connectors(new ConnectRestAdmin(eastConnect))
 *     .job(new FlinkRestSavepointClient(eastFlink), () -> routingJob)
 *     .groups(eastKafkaConfig, List.of("billing"))
 *     .fact("replication slot confirmed LSN", () -> slots.confirmedLsn("streamdr"))
 *     .schemas(RestEndpoint.of(eastRegistry))
 *     .build();
 * try (AutoCloseable schedule = checkpoints.every(Duration.ofSeconds(30))) { ... }
 * // in us-west-2, with us-east-1 gone:
 * PipelineCheckpoint last = PipelineCheckpointer.latest(backups, "us-east-1").orElseThrow();
 * }</pre>
 */
public final class PipelineCheckpointer {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineCheckpointer.class);
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private final BackupTarget target;
  private final String region;
  private final ConnectorAdmin connectors;
  private final boolean keepSecrets;
  private final SavepointClient jobs;
  private final Supplier<JobRef> job;
  private final Map<String, Object> kafka;
  private final List<String> groups;
  private final Map<String, Supplier<String>> facts;
  private final SchemaBackup schemas;
  private final String registryUrl;
  private final Duration timeout;
  private final Clock clock;
  private final AtomicReference<PipelineCheckpoint> last = new AtomicReference<>();
  private final AtomicReference<SchemaSnapshot> lastSchemas = new AtomicReference<>();

  private PipelineCheckpointer(Builder b) {
    this.target = b.target;
    this.region = b.region;
    this.connectors = b.connectors;
    this.keepSecrets = b.keepSecrets;
    this.jobs = b.jobs;
    this.job = b.job;
    this.kafka = b.kafka;
    this.groups = List.copyOf(b.groups);
    this.facts = Map.copyOf(b.facts);
    this.schemas = b.registry == null ? null : SchemaBackup.of(b.registry, b.target, b.clock);
    this.registryUrl = b.registry == null ? null : b.registry.baseUrl();
    this.timeout = b.timeout;
    this.clock = b.clock;
  }

  /** @param region the region whose pipeline is captured; the key prefix of its checkpoints */
  public static Builder builder(BackupTarget target, String region) {
    return new Builder(target, region);
  }

  /** The key prefix of a region's checkpoints. */
  public static String prefix(String region) {
    return "pipeline/" + region + "/";
  }

  /** Captures the pipeline now and writes the checkpoint; a part that cannot be read fails the capture, writing nothing. */
  public PipelineCheckpoint capture() {
    Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    List<PipelineCheckpoint.Connector> connectorParts = new ArrayList<>();
    if (connectors != null) {
      for (String name : connectors.connectors()) {
        ConnectorInfo info = connectors.describe(name);
        connectorParts.add(new PipelineCheckpoint.Connector(name, keepSecrets ? info.config() : Redaction.redact(info.config()),
            info.state(), connectors.offsets(name)));
      }
    }
    Optional<PipelineCheckpoint.JobPoint> jobPoint = Optional.empty();
    if (jobs != null) {
      JobRef ref = job.get();
      jobPoint = jobs.list(ref).stream().filter(s -> s.state() == SavepointState.COMPLETED)
          .max(Comparator.comparing(s -> s.completedAt().orElse(s.triggeredAt()))).map(PipelineCheckpoint.JobPoint::of);
    }
    Map<String, Map<String, Map<Integer, Long>>> positions = new TreeMap<>();
    String current = null;
    if (!groups.isEmpty()) {
      // an unreachable cluster is named at once, and the client is closed without waiting for calls that cannot finish
      Bootstrap.check(new HashMap<>(kafka), "the Kafka cluster of " + region);
      Admin admin = Admin.create(kafka);
      try {
        for (String group : groups) {
          current = group;
          Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          Map<String, Map<Integer, Long>> byTopic = new TreeMap<>();
          committed.forEach((tp, o) -> {
            if (o != null) {
              byTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>()).put(tp.partition(), o.offset());
            }
          });
          positions.put(group, byTopic);
        }
      } catch (ExecutionException | TimeoutException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        throw new OperationFailedException(ResourceType.CONSUMER_GROUP, current, "Could not read the committed offsets of group '%s' in %s for its pipeline checkpoint: %s"
            .formatted(current, region, cause.getMessage()), cause, true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while reading the consumer groups of " + region, e);
      } finally {
        admin.close(Duration.ZERO);
      }
    }
    Map<String, String> factValues = new LinkedHashMap<>();
    facts.forEach((name, value) -> factValues.put(name, value.get()));
    // last: every schema the records written before this point carry is in it
    Optional<String> schemaSnapshot = schemas == null ? Optional.empty() : Optional.of(schemaSnapshot(at));
    PipelineCheckpoint checkpoint = new PipelineCheckpoint(at, region, connectorParts, jobPoint, positions, factValues, schemaSnapshot);
    byte[] json;
    try {
      json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(checkpoint);
    } catch (IOException e) {
      throw new IllegalStateException("Could not write the pipeline checkpoint of " + region + ": " + e.getMessage(), e);
    }
    BackupKey key = BackupKey.of("pipeline", region, NAME.format(at) + ".json");
    target.write(key, out -> out.write(json));
    last.set(checkpoint);
    return checkpoint;
  }

  /** The id of a snapshot of the registry now: the one kept at the last capture if nothing changed since, else a new one. */
  private String schemaSnapshot(Instant at) {
    SchemaSnapshot now;
    try {
      now = schemas.capture(schemaSnapshotId(region, at));
    } catch (DrException e) {
      throw new OperationFailedException(ResourceType.ENDPOINT, registryUrl, ("Could not snapshot the Schema Registry of %s at %s for its"
          + " pipeline checkpoint, so none was written: %s. Make the registry reachable, or take checkpoints without it").formatted(region,
          registryUrl, e.getMessage()), e, e.retryable());
    }
    SchemaSnapshot before = lastSchemas.get();
    if (before == null) { // a checkpointer that has not captured yet compares with the newest checkpoint's (an agent makes one per capture)
      before = newestSchemas().orElse(null);
    }
    if (before != null && before.sameSchemasAs(now)) {
      return before.id();
    }
    schemas.keep(now);
    lastSchemas.set(now);
    return now.id();
  }

  /** The schema snapshot the newest checkpoint of this region names, if it names one that can be read. */
  private Optional<SchemaSnapshot> newestSchemas() {
    try {
      return latest(target, region).flatMap(PipelineCheckpoint::schemas).map(id -> SchemaBackup.read(target, id));
    } catch (DrException e) { // a damaged or removed one is not compared with: a new one is kept
      LOG.debug("Not comparing with the schema snapshot of the newest checkpoint of {}: {}", region, e.getMessage());
      return Optional.empty();
    }
  }

  /** The id of the schema snapshot a checkpoint of {@code region} taken at {@code at} keeps. */
  static String schemaSnapshotId(String region, Instant at) {
    return "pipeline-" + region + "-" + NAME.format(at);
  }

  /** The newest checkpoint this checkpointer wrote, if any. */
  public Optional<PipelineCheckpoint> last() {
    return Optional.ofNullable(last.get());
  }

  /**
   * Captures every {@code interval} on a thread of its own until closed; a failed capture is logged and the next one
   * tried (the primary region going away is what this is for). Closing waits for a capture under way.
   */
  public AutoCloseable every(Duration interval) {
    Checks.requirePositive(interval, "interval");
    ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "streamdr-pipeline-checkpoints-" + region);
      t.setDaemon(true);
      return t;
    });
    schedule.scheduleWithFixedDelay(() -> {
      try {
        capture();
      } catch (RuntimeException e) {
        LOG.warn("Pipeline checkpoint of {} failed: {}", region, e.getMessage());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return () -> {
      schedule.shutdown();
      if (!schedule.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        schedule.shutdownNow();
      }
    };
  }

  /** The newest checkpoint of {@code region} in {@code target}, if any; a damaged newest one is an error, not skipped. */
  public static Optional<PipelineCheckpoint> latest(BackupTarget target, String region) {
    Optional<BackupObject> newest = target.list(prefix(region)).stream().filter(o -> o.key().toString().endsWith(".json"))
        .max(Comparator.comparing(o -> o.key().toString()));
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    BackupKey key = newest.get().key();
    try {
      return Optional.of(Json.MAPPER.readValue(target.readAll(key), PipelineCheckpoint.class));
    } catch (IOException e) {
      throw new BackupCorruptedException(key.toString(), "'" + key + "' is not a readable pipeline checkpoint: "
          + e.getMessage() + "; remove it to fall back to the one before", e);
    }
  }

  /** Builder for {@link PipelineCheckpointer}. */
  public static final class Builder {
    private final BackupTarget target;
    private final String region;
    private ConnectorAdmin connectors;
    private boolean keepSecrets;
    private SavepointClient jobs;
    private Supplier<JobRef> job;
    private Map<String, Object> kafka = Map.of();
    private List<String> groups = List.of();
    private final Map<String, Supplier<String>> facts = new LinkedHashMap<>();
    private RestEndpoint registry;
    private Duration timeout = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();

    private Builder(BackupTarget target, String region) {
      this.target = Checks.requireNonNull(target, "backup target");
      this.region = Checks.requireNonBlank(region, "region");
    }

    /** Every connector of this Connect cluster, with its configuration and committed offsets. */
    public Builder connectors(ConnectorAdmin admin) {
      this.connectors = Checks.requireNonNull(admin, "connector admin");
      return this;
    }

    /**
     * Keep secret-looking settings (passwords, JAAS configurations) in the checkpoint instead of redacting them; only
     * for a target as protected as the secrets. Default false: the takeover supplies them.
     */
    public Builder keepSecrets(boolean keep) {
      this.keepSecrets = keep;
      return this;
    }

    /** The stream job's newest completed recovery point; {@code job} is read at each capture (a restored job has a new id). */
    public Builder job(SavepointClient client, Supplier<JobRef> job) {
      this.jobs = Checks.requireNonNull(client, "savepoint client");
      this.job = Checks.requireNonNull(job, "job");
      return this;
    }

    /** The committed offsets of these consumer groups, read with these Kafka client settings. */
    public Builder groups(Map<String, ?> kafkaConfig, List<String> groups) {
      this.kafka = Map.copyOf(Checks.requireNonNull(kafkaConfig, "kafka config"));
      this.groups = List.copyOf(groups);
      return this;
    }

    /** Something else the takeover should know, read at each capture (never a secret: it is written as it is). */
    public Builder fact(String name, Supplier<String> value) {
      facts.put(Checks.requireNonBlank(name, "fact name"), Checks.requireNonNull(value, "fact"));
      return this;
    }

    /**
     * A snapshot of this Schema Registry with each checkpoint ({@link SchemaBackup}, in the same target), so that a
     * takeover can restore the schemas the region's records carry into the other region's registry before anything
     * writes there. A capture while the registry is unchanged names the snapshot before instead of keeping a copy.
     */
    public Builder schemas(RestEndpoint registry) {
      this.registry = Checks.requireNonNull(registry, "schema registry");
      return this;
    }

    /** Deadline of each call to Kafka; default 30 s. */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public PipelineCheckpointer build() {
      return new PipelineCheckpointer(this);
    }
  }
}
