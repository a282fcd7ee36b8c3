package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.connect.DebeziumPostgresOffsets;
import io.streamdr.connect.ReplicationSlotCheck;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.DrException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.kafka.pipeline.PipelineCheckpoint;
import io.streamdr.kafka.pipeline.PipelineCheckpointer;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;

/** Starting a region's connectors in another: from its newest pipeline checkpoint, against the replication slot. */
public final class Takeover {
  /** The states of a Flink job that runs, or is about to. */
  static final java.util.Set<String> RUNNING = java.util.Set.of("RUNNING", "CREATED", "INITIALIZING", "RESTARTING");

  private Takeover() {}

  /** {@code region}'s newest pipeline checkpoint. */
  public static PipelineCheckpoint checkpoint(StreamDrConfig cfg, String region) {
    String name = cfg.region(region).name();
    return PipelineCheckpointer.latest(cfg.backups(), name).orElseThrow(() -> new NotFoundException(ResourceType.PIPELINE_CHECKPOINT, name,
        ("No pipeline checkpoint of %s in the backups; take them with 'streamdr checkpoint --region %s --every 30s' (or, to switch"
            + " the active region only, run 'streamdr failover --switch-only')").formatted(name, name)));
  }

  /** The connectors of {@code region}'s newest pipeline checkpoint, as a snapshot to restore. */
  public static ConnectorSnapshot fromCheckpoint(StreamDrConfig cfg, String region) {
    return snapshot(checkpoint(cfg, region));
  }

  /** The connectors of a pipeline checkpoint, as a snapshot to restore. */
  public static ConnectorSnapshot snapshot(PipelineCheckpoint c) {
    String name = c.region();
    List<ConnectorSnapshot.Entry> entries = c.connectors().stream()
        .map(x -> new ConnectorSnapshot.Entry(x.name(), x.config(), x.state(), x.offsets())).toList();
    return new ConnectorSnapshot("checkpoint-" + c.takenAt(), c.takenAt(), name, entries);
  }

  /** A snapshot whose connectors' converter settings were pointed at another region's Schema Registry, and which settings. */
  public record Repointed(ConnectorSnapshot snapshot, List<String> settings) {
    /** For people: which settings now name the registry of {@code region}, or that none needed to. */
    public String detail(String region) {
      return settings.isEmpty() ? "no connector setting names a Schema Registry of the region taken over from"
          : "%d connector setting(s) pointed at %s's Schema Registry: %s".formatted(settings.size(), region, settings);
    }
  }

  /**
   * The snapshot with every converter setting that names {@code from}'s Schema Registry (a key ending in
   * {@code schema.registry.url}, Confluent's converters, or {@code apicurio.registry.url}, Apicurio's, whose URL is on
   * that registry's scheme, host and port) pointed at {@code to}'s registry, keeping the rest of the URL: connectors
   * restored in {@code to} then register and look up their schemas in its registry, not in the one of the region
   * that is gone. Unchanged unless both regions have a {@code schemaRegistry}.
   */
  public static Repointed pointAtRegistry(StreamDrConfig cfg, ConnectorSnapshot snapshot, String from, String to) {
    if (cfg.region(from).schemaRegistryUrl().isEmpty() || cfg.region(to).schemaRegistryUrl().isEmpty()) {
      return new Repointed(snapshot, List.of());
    }
    List<String> changed = new java.util.ArrayList<>();
    List<ConnectorSnapshot.Entry> entries = snapshot.connectors().stream().map(e -> new ConnectorSnapshot.Entry(e.name(),
        pointAtRegistry(cfg, e.name(), e.config(), from, to, changed), e.state(), e.offsets())).toList();
    return new Repointed(new ConnectorSnapshot(snapshot.id(), snapshot.createdAt(), snapshot.source(), entries), List.copyOf(changed));
  }

  /**
   * One connector's configuration with its converter settings that name {@code from}'s Schema Registry pointed at
   * {@code to}'s (see {@link #pointAtRegistry(StreamDrConfig, ConnectorSnapshot, String, String)}); each setting
   * changed is added to {@code changed} as {@code connector.key}.
   */
  public static java.util.Map<String, String> pointAtRegistry(StreamDrConfig cfg, String connector, java.util.Map<String, String> config,
      String from, String to, List<String> changed) {
    if (cfg.region(from).schemaRegistryUrl().isEmpty() || cfg.region(to).schemaRegistryUrl().isEmpty()) {
      return config;
    }
    java.net.URI source = java.net.URI.create(cfg.schemaRegistry(from).baseUrl());
    java.net.URI target = java.net.URI.create(cfg.schemaRegistry(to).baseUrl());
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>(config);
    config.forEach((key, value) -> {
      if ((key.endsWith("schema.registry.url") || key.endsWith("apicurio.registry.url")) && value != null) {
        String moved = repoint(value, source, target);
        if (!moved.equals(value)) {
          out.put(key, moved);
          changed.add(connector + "." + key);
        }
      }
    });
    return out;
  }

  /** Each URL of {@code value} (Confluent's converters take a comma-separated list) on {@code source}'s origin moved to {@code target}'s. */
  private static String repoint(String value, java.net.URI source, java.net.URI target) {
    List<String> urls = new java.util.ArrayList<>();
    for (String one : value.split(",", -1)) {
      String url = one.trim();
      try {
        java.net.URI u = java.net.URI.create(url);
        if (source.getScheme().equalsIgnoreCase(String.valueOf(u.getScheme())) && source.getHost().equalsIgnoreCase(String.valueOf(u.getHost()))
            && port(source) == port(u)) {
          url = new java.net.URI(target.getScheme(), u.getUserInfo(), target.getHost(), target.getPort(), u.getPath(), u.getQuery(),
              u.getFragment()).toString();
        }
      } catch (IllegalArgumentException | java.net.URISyntaxException e) {
        // not a URL: left as it is
      }
      urls.add(url);
    }
    return String.join(",", urls);
  }

  private static int port(java.net.URI u) {
    return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /**
   * What a pipeline failover set out to do and whether it finished, kept in the backups (beside the checkpoints,
   * where the secondary can read it): written before the switch, completed after the takeover, so a failover killed
   * between the two is completed by running it again.
   *
   * @param from        the region whose connectors are taken over
   * @param to          the region taking over
   * @param epoch       the active-region epoch the switch makes
   * @param checkpoint  the pipeline checkpoint taken over
   * @param startedAt   when the failover began
   * @param completedAt when every connector (and the Flink job, if configured) was started; null until then
   * @param flinkJob    the id of the Flink job the takeover started, once it did
   */
  public record Journal(String from, String to, long epoch, String checkpoint, java.time.Instant startedAt,
      java.time.Instant completedAt, String flinkJob) {

    /** A journal of a failover that begins now: nothing done yet. */
    public static Journal begin(String from, String to, long epoch, String checkpoint, java.time.Instant at) {
      return new Journal(from, to, epoch, checkpoint, at, null, null);
    }

    static io.streamdr.core.backup.BackupKey key(String to) {
      return io.streamdr.core.backup.BackupKey.of("pipeline-takeovers", to + ".json");
    }

    /** The journal of the newest pipeline failover into {@code to}, if any. */
    public static java.util.Optional<Journal> read(io.streamdr.core.backup.BackupTarget backups, String to) {
      if (!backups.exists(key(to))) {
        return java.util.Optional.empty();
      }
      try {
        return java.util.Optional.of(io.streamdr.core.internal.Json.MAPPER.readValue(backups.readAll(key(to)), Journal.class));
      } catch (java.io.IOException e) {
        throw new BackupCorruptedException(key(to).toString(),
            "The pipeline failover journal " + key(to) + " is not readable JSON: " + e.getMessage()
                + "; delete it to start the failover afresh");
      }
    }

    /** Writes (or replaces) this journal. */
    public Journal write(io.streamdr.core.backup.BackupTarget backups) {
      try {
        backups.put(key(to), io.streamdr.core.internal.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      return this;
    }

    public boolean completed() {
      return completedAt != null;
    }

    public Journal complete(java.time.Instant at) {
      return new Journal(from, to, epoch, checkpoint, startedAt, at, flinkJob);
    }

    public Journal withFlinkJob(String job) {
      return new Journal(from, to, epoch, checkpoint, startedAt, completedAt, job);
    }
  }

  /** What starting a region's Flink job did. */
  public record JobOutcome(String job, String startedAs, String from, boolean started, String detail) {}

  /**
   * Starts the Flink job {@code to} runs when it takes over ({@code regions[].flinkJob}): without state, or from the
   * checkpoint's recovery point, then waits until all its tasks run. A job {@code already} started by an interrupted
   * run and still running is left as it is.
   */
  public static JobOutcome startJob(StreamDrConfig cfg, String to, PipelineCheckpoint checkpoint, String already, java.time.Duration timeout) {
    return startJob(cfg, to, () -> {
      PipelineCheckpoint.JobPoint point = checkpoint.job().filter(p -> p.location().isPresent()).orElseThrow(() -> new InvalidRequestException(
          ResourceType.PIPELINE_CHECKPOINT, checkpoint.region(), ("The pipeline checkpoint of %s taken %s names no Flink recovery point with a location;"
          + " take checkpoints with 'streamdr checkpoint --job JOB', or set fromRecoveryPoint: false for %s's flinkJob").formatted(
              checkpoint.region(), checkpoint.takenAt(), to)));
      return new io.streamdr.core.savepoint.Savepoint(new io.streamdr.core.savepoint.JobRef(point.job()), point.id(), point.kind(),
          io.streamdr.core.savepoint.SavepointState.COMPLETED, point.location(), java.util.Optional.empty(),
          point.completedAt().orElse(checkpoint.takenAt()), point.completedAt());
    }, already, timeout);
  }

  /**
   * Starts {@code to}'s {@code flinkJob} and waits until all its tasks run: from the recovery point {@code from}
   * supplies when the job says {@code fromRecoveryPoint} (null: without state; a {@code DrException} it throws is the
   * outcome), without state otherwise. A job {@code already} started by an interrupted run and still running is left
   * as it is. Never throws for a job that does not start: the outcome says why.
   */
  static JobOutcome startJob(StreamDrConfig cfg, String to, java.util.function.Supplier<io.streamdr.core.savepoint.Savepoint> from,
      String already, java.time.Duration timeout) {
    StreamDrConfig.FlinkJob job = cfg.flinkJob(to).orElseThrow();
    String name = job.spec().name();
    io.streamdr.flink.FlinkRestSavepointClient flink = cfg.flinkRest(to);
    if (already != null) {
      try {
        String state = flink.state(new io.streamdr.core.savepoint.JobRef(already));
        if (RUNNING.contains(state)) {
          return new JobOutcome(name, already, "the interrupted run", true, "already " + state + " from the interrupted run, left as it is");
        }
      } catch (NotFoundException e) {
        // the interrupted run's job is gone: start it again
      }
    }
    String fromWhat = "no state";
    try {
      io.streamdr.core.savepoint.Savepoint point = job.fromRecoveryPoint() ? from.get() : null;
      io.streamdr.core.savepoint.JobRef started;
      if (point != null) {
        fromWhat = point.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + point.location().orElse("?");
        started = flink.restore(job.spec(), point);
      } else {
        started = flink.start(job.spec());
      }
      flink.awaitRunning(started, timeout);
      return new JobOutcome(name, started.id(), fromWhat, true, "started from " + fromWhat + ", all tasks RUNNING");
    } catch (DrException e) {
      return new JobOutcome(name, null, fromWhat, false, e.getMessage());
    }
  }

  /**
   * What restoring a schema snapshot into the registry of the region taking over did.
   *
   * @param snapshot the snapshot's id in the backups
   * @param registry the registry restored into, without credentials
   * @param versions the snapshot's schema versions
   * @param restored how many of them this run registered (the rest were there already)
   * @param error    why it failed, or null
   */
  public record SchemasOutcome(String snapshot, String registry, int versions, long restored, String error) {
    public boolean ok() {
      return error == null;
    }

    public String detail() {
      return !ok() ? "schema snapshot %s into %s: %s".formatted(snapshot, registry, error)
          : "schema snapshot %s into %s: %d of %d version(s) registered with their ids, %d there already".formatted(snapshot, registry,
              restored, versions, versions - restored);
    }
  }

  /**
   * The schema snapshot a pipeline checkpoint names, read and checked before anything changes, if it names one.
   *
   * @throws InvalidRequestException if {@code into} has no Schema Registry to restore it into
   */
  public static java.util.Optional<io.streamdr.kafka.schema.SchemaSnapshot> schemasToRestore(StreamDrConfig cfg, PipelineCheckpoint checkpoint,
      String into) {
    if (checkpoint.schemas().isEmpty()) {
      return java.util.Optional.empty();
    }
    String id = checkpoint.schemas().get();
    if (cfg.region(into).schemaRegistryUrl().isEmpty()) {
      int i = cfg.topology().regions().indexOf(cfg.region(into));
      throw new InvalidRequestException(ResourceType.CONFIG_KEY, "regions[%d].schemaRegistry".formatted(i), ("%s: the pipeline checkpoint of %s"
          + " names schema snapshot %s, which the records of its topics need in %s's registry, but regions[%d] (%s) has no schemaRegistry;"
          + " add it (the same URL as %s's if one registry serves both regions). Nothing was changed.").formatted(cfg.file(), checkpoint.region(),
          id, into, i, into, checkpoint.region()));
    }
    return java.util.Optional.of(io.streamdr.kafka.schema.SchemaBackup.read(cfg.backups(), id));
  }

  /**
   * Restores {@code snapshot} into {@code into}'s Schema Registry with every id; running it again registers nothing
   * twice. Never throws for a registry that refuses (an id used there for another schema, say): the outcome says why.
   */
  public static SchemasOutcome restoreSchemas(StreamDrConfig cfg, io.streamdr.kafka.schema.SchemaSnapshot snapshot, String into) {
    io.streamdr.core.http.RestEndpoint registry = cfg.schemaRegistry(into);
    try {
      var report = io.streamdr.kafka.schema.SchemaBackup.restore(snapshot, registry);
      return new SchemasOutcome(snapshot.id(), report.target(), snapshot.versions(), report.restored(), null);
    } catch (DrException e) {
      return new SchemasOutcome(snapshot.id(), registry.baseUrl(), snapshot.versions(), 0, e.getMessage());
    }
  }

  /** What making a region's mirror topics writable did. */
  public record MirrorsOutcome(String link, List<String> madeWritable, List<String> alreadyWritable, List<String> failed) {
    public boolean ok() {
      return failed.isEmpty();
    }

    public String detail() {
      return "%s: %d made writable %s, %d already writable %s%s".formatted(link, madeWritable.size(), madeWritable,
          alreadyWritable.size(), alreadyWritable, failed.isEmpty() ? "" : ", FAILED: " + failed);
    }
  }

  /**
   * Makes the mirror topics of {@code region}'s cluster link writable ({@code regions[].clusterLink}): fails them over
   * (or promotes them, in mode promote). Mirrors already stopped are left; so running it again is safe.
   */
  public static MirrorsOutcome makeMirrorsWritable(StreamDrConfig cfg, String region) {
    io.streamdr.cli.config.ClusterLinkConfig c = cfg.clusterLink(region).orElseThrow();
    io.streamdr.kafka.replication.ClusterLinkClient client = c.client();
    List<String> pending = new ArrayList<>();
    List<String> already = new ArrayList<>();
    for (String topic : c.topics()) {
      String status = client.mirror(c.link(), topic).status();
      (status.equals("STOPPED") || status.equals("PENDING_STOPPED") ? already : pending).add(topic);
    }
    List<String> made = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    if (!pending.isEmpty()) {
      for (var o : c.promote() ? client.promote(c.link(), pending, false) : client.failover(c.link(), pending, false)) {
        if (o.succeeded()) {
          made.add(o.topic());
        } else {
          failed.add(o.topic() + " (" + o.errorCode() + " " + o.errorMessage() + ")");
        }
      }
    }
    return new MirrorsOutcome(c.link(), made, already, failed);
  }

  /**
   * What pointing the DNS record did.
   *
   * @param record   the record's name
   * @param value    the value it points at now (null if the change failed)
   * @param changed  whether it had to change
   * @param tookMillis how long until Route 53 had it INSYNC
   * @param error    why it failed, or null
   */
  public record DnsOutcome(String record, String value, boolean changed, long tookMillis, String error) {
    public boolean ok() {
      return error == null;
    }

    public String detail() {
      return !ok() ? error : "%s -> %s%s".formatted(record, value, changed ? " (INSYNC after " + tookMillis + " ms)" : " (already)");
    }
  }

  /** Points the {@code dns:} record at {@code region}'s value and waits until Route 53 has it INSYNC; never throws. */
  public static DnsOutcome pointDns(StreamDrConfig cfg, String region) {
    io.streamdr.cli.config.DnsConfig dns = cfg.dns().orElseThrow();
    try (var route53 = dns.client()) {
      var r = dns.dnsSwitch(route53).switchTo(cfg.region(region));
      return new DnsOutcome(r.recordName(), r.value(), r.changed(), r.took().toMillis(), null);
    } catch (DrException e) {
      return new DnsOutcome(dns.record(), null, false, 0, e.getMessage());
    }
  }

  /** What fencing and aligning did. */
  public record Aligned(ConnectorSnapshot snapshot, String detail) {}

  /** A Debezium replication slot in a PostgreSQL database. */
  public record Slot(String name, String url, String user, String passwordEnv) {
    @Override
    public String toString() {
      return "Slot[" + name + " at " + url + "]"; // the password stays in the environment
    }

    /**
     * Ends the connection still holding the slot, and moves the offsets of every connector reading it up to its
     * confirmed LSN where they are older.
     */
    public Aligned fenceAndAlign(ConnectorSnapshot snapshot) {
      ReplicationSlotCheck check = check();
      String confirmed = confirmedLsn(check);
      String fenced = fence(check);
      List<ConnectorSnapshot.Entry> entries = new ArrayList<>();
      List<String> moved = new ArrayList<>();
      for (ConnectorSnapshot.Entry e : snapshot.connectors()) {
        if (name.equals(e.config().get("slot.name"))) {
          var aligned = DebeziumPostgresOffsets.resumableFrom(e.offsets(), confirmed);
          if (!aligned.equals(e.offsets())) {
            moved.add(e.name());
          }
          entries.add(new ConnectorSnapshot.Entry(e.name(), e.config(), e.state(), aligned));
        } else {
          entries.add(e);
        }
      }
      return new Aligned(new ConnectorSnapshot(snapshot.id(), snapshot.createdAt(), snapshot.source(), entries),
          fenced + "; " + (moved.isEmpty() ? "offsets at or past the slot's confirmed LSN " + confirmed
              : "offsets of " + moved + " moved up to the slot's confirmed LSN " + confirmed));
    }

    /**
     * The offsets of a connector reading this slot, moved up to its confirmed LSN where they are older, once the
     * connection still holding the slot is ended; says what it did to {@code said}.
     */
    public io.streamdr.core.connect.ConnectorOffsets fenceAndAlign(String connector, io.streamdr.core.connect.ConnectorOffsets offsets,
        java.util.function.Consumer<String> said) {
      ReplicationSlotCheck check = check();
      String confirmed = confirmedLsn(check);
      String fenced = fence(check);
      var aligned = DebeziumPostgresOffsets.resumableFrom(offsets, confirmed);
      said.accept(fenced + "; " + (aligned.equals(offsets) ? "offsets of " + connector + " at or past the slot's confirmed LSN " + confirmed
          : "offsets of " + connector + " moved up to the slot's confirmed LSN " + confirmed));
      return aligned;
    }

    private ReplicationSlotCheck check() {
      PGSimpleDataSource db = new PGSimpleDataSource();
      db.setURL(url);
      if (user != null) {
        db.setUser(user);
      }
      String password = Environment.get().get(passwordEnv);
      if (password != null) {
        db.setPassword(password);
      }
      return new ReplicationSlotCheck(db, name);
    }

    private String confirmedLsn(ReplicationSlotCheck check) {
      ReplicationSlotCheck.SlotStatus status = check.status().orElseThrow(() -> new InvalidRequestException(ResourceType.REPLICATION_SLOT, name,
          "No replication slot '%s' in %s; the connectors would start a new snapshot. Check --slot".formatted(name, url)));
      return status.confirmedFlushLsn().orElse("0/0");
    }

    private String fence(ReplicationSlotCheck check) {
      return check.fence().map(pid -> "ended process " + pid + " holding slot " + name).orElse("slot " + name + " not in use");
    }
  }
}
