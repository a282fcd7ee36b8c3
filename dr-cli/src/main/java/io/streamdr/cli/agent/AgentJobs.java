package io.streamdr.cli.agent;

import io.streamdr.cli.PlannedFailoverDrill;
import io.streamdr.cli.Takeover;
import io.streamdr.cli.config.AgentConfig;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.connect.ConnectorSnapshots;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.runbook.HtmlReport;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.flink.FlinkRestSavepointClient;
import io.streamdr.flink.SavepointScheduler;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.RetentionPolicy;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.metrics.KafkaMeters;
import io.streamdr.kafka.pipeline.PipelineCheckpoint;
import io.streamdr.kafka.pipeline.PipelineCheckpointer;
import io.streamdr.kafka.schema.SchemaBackup;
import io.streamdr.kafka.schema.SchemaSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;

/** The work of each kind of scheduled job of the {@code agent:} section, for {@link JobScheduler}. */
public final class AgentJobs {
  private final StreamDrConfig cfg;
  private final BackupTarget backups;
  private final DefaultRegionRouter router;
  private final KafkaMeters meters;
  private final Function<String, ProgressListener> progressOf;
  private final Clock clock;

  private final java.util.function.BiConsumer<String, RunbookReport> drills;

  /**
   * @param router   the agent's router: jobs without a region work on its active region, drills switch it
   * @param progress a progress listener per backup job
   * @param drills   told of each drill report, by name ({@code <job>-failover}, {@code <job>-failback})
   */
  public AgentJobs(StreamDrConfig cfg, BackupTarget backups, DefaultRegionRouter router, KafkaMeters meters,
      Function<String, ProgressListener> progress, java.util.function.BiConsumer<String, RunbookReport> drills, Clock clock) {
    this.drills = drills;
    this.cfg = cfg;
    this.backups = backups;
    this.router = router;
    this.meters = meters;
    this.progressOf = progress;
    this.clock = clock;
  }

  /** The job as the scheduler runs it. */
  public JobScheduler.Job job(AgentConfig.Job job) {
    AgentConfig.Task task = job.task();
    JobScheduler.Work work;
    if (task instanceof AgentConfig.Backup b) {
      work = slot -> backup(job.name(), b, slot);
    } else if (task instanceof AgentConfig.Prune p) {
      work = slot -> prune(p);
    } else if (task instanceof AgentConfig.Checkpoint c) {
      work = slot -> checkpoint(c);
    } else if (task instanceof AgentConfig.Connectors c) {
      work = slot -> connectors(job.name(), c, slot);
    } else if (task instanceof AgentConfig.Schemas s) {
      work = slot -> schemas(job.name(), s, slot);
    } else if (task instanceof AgentConfig.Drill d) {
      work = slot -> drill(job.name(), d, slot);
    } else {
      AgentConfig.Savepoint s = (AgentConfig.Savepoint) task;
      work = slot -> savepoint(job.name(), s);
    }
    return new JobScheduler.Job(job.name(), job.task().kind(), CronSchedule.parse(job.cron()), job.lease(), work);
  }

  private String region(Optional<String> configured) {
    return configured.map(r -> cfg.region(r).name()).orElseGet(() -> router.active().name());
  }

  /**
   * A full backup, or an incremental continuing the newest backup of the same topics from the same cluster (a full
   * one if there is none yet, or the cluster changed after a failover). The id is the job and its slot, so a run
   * interrupted by a crash resumes the same backup when the slot is taken over.
   */
  String backup(String jobName, AgentConfig.Backup b, JobScheduler.Slot slot) throws Exception {
    String region = region(b.region());
    Map<String, Object> client = cfg.region(region).kafkaClientConfig();
    String id = jobName + "-" + slot.stamp();
    List<BackupManifest> all = new BackupCatalog(backups).list(); // every manifest read once, for both questions below
    Optional<BackupManifest> existing = all.stream().filter(m -> m.id().equals(id)).findFirst();
    if (existing.isPresent()) {
      return "backup %s was already complete (%d records)".formatted(id, existing.get().records());
    }
    TopicBackup.Builder builder = TopicBackup.builder(client, backups).topics(b.topics()).groups(b.groups()).clock(clock)
        .progress(progressOf.apply(jobName));
    b.pattern().ifPresent(p -> builder.topicPattern(Pattern.compile(p)));
    TopicBackup backup = builder.build();
    String note = "";
    BackupManifest m;
    if (b.incremental()) {
      String cluster;
      try (Admin admin = Admin.create(client)) {
        cluster = admin.describeCluster().clusterId().get(60, TimeUnit.SECONDS);
      }
      var topics = new HashSet<>(b.topics());
      Optional<BackupManifest> parent = all.stream()
          .filter(x -> cluster.equals(x.sourceClusterId()))
          .filter(x -> topics.equals(new HashSet<>(x.topics().stream().map(BackupManifest.TopicEntry::name).toList())))
          .max(Comparator.comparing(BackupManifest::completedAt));
      if (parent.isPresent()) {
        m = backup.incremental(id, parent.get().id());
        note = ", continuing " + parent.get().id();
      } else {
        m = backup.full(id);
        note = ", full: no earlier backup of " + b.topics() + " from " + region + "'s cluster " + cluster + " to continue";
      }
    } else {
      m = backup.full(id);
    }
    meters.backupCompleted(jobName, m);
    return "backup %s (%s) of %s: %d records, %d bytes%s".formatted(m.id(), m.type().name().toLowerCase(java.util.Locale.ROOT), region,
        m.records(), m.bytes(), note);
  }

  String prune(AgentConfig.Prune p) {
    BackupCatalog.PruneResult r = new BackupCatalog(backups).prune(new RetentionPolicy(p.incrementalMaxAge(), p.fullMaxAge()),
        clock.instant(), false);
    String thinned = r.continuous().stream().map(c -> "; continuous backup %s: deleted %d checkpoint(s) and %d segment(s), kept %d"
        .formatted(c.backup(), c.deleted().size(), c.segmentsDeleted(), c.kept().size())).collect(java.util.stream.Collectors.joining());
    return "deleted %d backup(s) %s, kept %d%s".formatted(r.deleted().size(), r.deleted(), r.kept().size(), thinned);
  }

  String checkpoint(AgentConfig.Checkpoint c) {
    String region = region(c.region());
    PipelineCheckpointer.Builder b = PipelineCheckpointer.builder(backups, region).clock(clock);
    if (c.connectors()) {
      b.connectors(cfg.connectors(region));
    }
    c.job().ifPresent(job -> b.job(cfg.savepoints(region), () -> new JobRef(job)));
    if (!c.groups().isEmpty()) {
      b.groups(cfg.region(region).kafkaClientConfig(), c.groups());
    }
    if (c.schemas() && cfg.region(region).schemaRegistryUrl().isPresent()) {
      b.schemas(cfg.schemaRegistry(region));
    }
    PipelineCheckpoint taken = b.build().capture();
    return "checkpoint of %s at %s: %d connector(s), %d group(s)%s%s".formatted(region, taken.takenAt(), taken.connectors().size(),
        taken.groups().size(), taken.job().map(j -> ", job recovery point " + j.id()).orElse(""),
        taken.schemas().map(id -> ", schema snapshot " + id).orElse(""));
  }

  String connectors(String jobName, AgentConfig.Connectors c, JobScheduler.Slot slot) {
    String region = region(c.region());
    ConnectorSnapshot s = ConnectorSnapshots.builder(cfg.connectors(region), backups, region).clock(clock).build()
        .take(jobName + "-" + slot.stamp());
    return "connector snapshot %s of %s: %d connector(s)".formatted(s.id(), region, s.connectors().size());
  }

  /** A schema snapshot of the region's registry, id {@code <job>-<slot>}; a run after a crash finds it taken. */
  String schemas(String jobName, AgentConfig.Schemas s, JobScheduler.Slot slot) {
    String region = region(s.region());
    String id = jobName + "-" + slot.stamp();
    boolean taken = backups.exists(SchemaBackup.key(id));
    SchemaSnapshot snapshot = taken ? SchemaBackup.read(backups, id) : SchemaBackup.of(cfg.schemaRegistry(region), backups, clock).take(id);
    String done = "schema snapshot %s of %s%s: %d subject(s), %d version(s)".formatted(snapshot.id(), region, taken ? " (taken before)" : "",
        snapshot.subjects().size(), snapshot.versions());
    if (s.into().isEmpty()) {
      return done;
    }
    String into = s.into().get();
    if (into.equals(region)) { // the active region is the one kept in sync (after a failover): nothing to copy to itself
      return done + "; not restored into " + into + "'s registry, the region snapshotted";
    }
    Takeover.SchemasOutcome restored = Takeover.restoreSchemas(cfg, snapshot, into);
    if (!restored.ok()) {
      throw new IllegalStateException(done + "; NOT restored into " + into + "'s registry: " + restored.detail());
    }
    return done + "; " + restored.detail();
  }

  /**
   * The planned failover drill of {@code streamdr drill -c}, against the real clusters: only from the primary (a drill
   * must never fail back a real failover). Its reports are kept beside the backups, under
   * {@code agent/reports/<job>-<slot>/}, and its RTO and RPO exported.
   */
  String drill(String jobName, AgentConfig.Drill d, JobScheduler.Slot slot) throws Exception {
    String primary = cfg.topology().primary();
    router.refresh();
    if (!router.active().name().equals(primary)) {
      throw new IllegalStateException("the active region is %s, not the primary %s: a planned drill starts from the primary and would fail"
          .formatted(router.active().name(), primary) + " back a real failover; it runs again at its next slot");
    }
    List<String> steps = new java.util.ArrayList<>();
    List<RunbookReport> reports = new PlannedFailoverDrill(cfg.topology(), router, cfg.clusters(), d.topics(), cfg.naming(primary),
        RecoveryObjectives.defaults(), steps::add).run(false);
    String prefix = jobName + "-" + slot.stamp();
    List<String> names = List.of("failover", "failback");
    for (int i = 0; i < reports.size(); i++) {
      backups.put(BackupKey.of("agent", "reports", prefix, names.get(i) + ".json"), reports.get(i).toJson().getBytes(StandardCharsets.UTF_8));
      drills.accept(jobName + "-" + names.get(i), reports.get(i));
    }
    backups.put(BackupKey.of("agent", "reports", prefix, "drill-report.html"),
        HtmlReport.render("Planned failover drill " + prefix, reports).getBytes(StandardCharsets.UTF_8));
    boolean met = reports.size() == 2 && reports.stream().allMatch(r -> r.succeeded() && r.objectivesMet());
    String summary = reports.stream().map(r -> "%s %s in %s".formatted(r.name(), r.succeeded() ? "succeeded" : "FAILED",
        RunbookReport.human(r.rto()))).collect(java.util.stream.Collectors.joining(", "));
    if (!met) {
      throw new IllegalStateException("drill missed its objectives or failed: " + summary + "; reports in agent/reports/" + prefix);
    }
    return summary + "; every objective met; reports in agent/reports/" + prefix;
  }

  private final Map<String, SavepointScheduler> savepoints = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A savepoint through the job's {@link SavepointScheduler} (one per job and region, kept for the agent's life): taken,
   * copied into the backups when its location is a {@code file:} path, and the savepoints past {@code keep} or
   * {@code maxAge} disposed, never the newest.
   */
  String savepoint(String jobName, AgentConfig.Savepoint s) {
    String region = region(s.region());
    SavepointScheduler scheduler = savepoints.computeIfAbsent(jobName + "@" + region, k -> {
      SavepointClient client = cfg.savepoints(region);
      SavepointScheduler.Disposer disposer = client instanceof FlinkRestSavepointClient flink
          ? sp -> flink.dispose(sp.location().orElseThrow(), s.timeout())
          : sp -> { }; // a Confluent Cloud statement's recovery points are offsets, nothing to delete
      SavepointOptions.Builder options = SavepointOptions.builder();
      s.targetDir().ifPresent(options::targetDirectory);
      SavepointScheduler.Builder b = SavepointScheduler.builder(client, () -> new JobRef(s.job()), disposer).options(options.build())
          .maxCount(s.keep()).maxAge(s.maxAge()).awaitTimeout(s.timeout()).clock(clock);
      if (s.copy()) {
        b.copyTo(backups);
      }
      return b.build();
    });
    SavepointScheduler.Run run = scheduler.runOnce();
    if (run.failure().isPresent()) {
      throw new IllegalStateException("savepoint of job %s in %s failed: %s".formatted(s.job(), region, run.failure().get()));
    }
    Savepoint sp = run.taken().orElseThrow();
    return "savepoint of job %s in %s: %s%s; %d kept, %d disposed%s".formatted(s.job(), region, sp.location().orElse(sp.id()),
        s.copy() && sp.location().filter(l -> l.startsWith("file:")).isPresent() ? " (copied to savepoints/" + s.job() + "/ in the backups)" : "",
        scheduler.catalog().size(), run.disposed().size(),
        run.disposalFailures().isEmpty() ? "" : "; disposal failed for " + run.disposalFailures());
  }
}
