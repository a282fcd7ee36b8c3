package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorHandover;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.FencedException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.flink.FlinkRestSavepointClient;
import io.streamdr.kafka.replication.MirrorMakerReplicationProbe;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code failback --pipeline}: the pipeline back to the primary while both regions run. In order: what the active
 * region wrote is replicated back ({@code --topics}, checked record by record, nothing changed until it is); the
 * schemas its registry holds and the primary's lacks are restored there with their ids (where both have one); its
 * connectors are handed over with their final offsets ({@link ConnectorHandover}; the primary's own copies, resumed
 * by its returning Connect worker, are stopped first); the Flink job the failover started there is stopped with a
 * savepoint and the primary's {@code flinkJob} started; the active region is switched back; the DNS record pointed
 * at the primary. A journal ({@code pipeline-takeovers/PRIMARY.json}) lets a rerun complete a failback that stopped.
 */
final class PipelineFailback {
  private PipelineFailback() {}

  /**
   * How far replication back to the primary was behind when checked.
   *
   * @param topics        the active region's topics checked
   * @param caughtUp      true when every record of them is in the primary
   * @param recordsBehind records not yet in the primary
   * @param behind        the partitions behind, as {@code topic-partition: records}
   * @param missingTopics topics with no copy in the primary
   * @param tookMillis    how long the check waited
   */
  record ReplicationCheck(List<String> topics, boolean caughtUp, long recordsBehind, List<String> behind, List<String> missingTopics,
      long tookMillis) {}

  /** What the Flink step did: the job stopped in the region left (with its savepoint) and the one started in the primary. */
  record FlinkOutcome(String stoppedJob, String savepoint, Takeover.JobOutcome started) {}

  /** What is done with the primary's diverged tail. */
  enum DivergedPolicy { report, export }

  /** Where to look for the diverged tail, and what to do with it. */
  record Diverged(List<String> topics, DivergedPolicy policy) {}

  /**
   * The primary's diverged tail found: records its topics hold that the active region's copies lack.
   *
   * @param report     how many, when written, where
   * @param exportedAs the backup key they were written to, with {@code --diverged export}
   */
  record DivergedOutcome(io.streamdr.kafka.pipeline.DivergedTail.Report report, String exportedAs) {}

  /** A pipeline failback's outcome, as --json prints it. */
  record Outcome(FailoverCommand.Outcome failback, ReplicationCheck replication, Takeover.SchemasOutcome schemas, DivergedOutcome diverged,
      List<ConnectorHandover.Outcome> connectors, FlinkOutcome flink, Takeover.DnsOutcome dns, boolean completed) {}

  static int run(StreamDrConfig cfg, PrintWriter out, PrintWriter human, TakeoverOptions takeover, List<String> topics,
      Duration replicationTimeout, Diverged diverged, String reason, boolean dryRun, boolean json) {
    String primary = cfg.topology().primary();
    ActiveRegion now = read(cfg.activeRegionStore());
    String active = now == null ? primary : now.region();
    long epochNow = now == null ? 1 : now.epoch();
    Optional<Takeover.Journal> journal = Takeover.Journal.read(cfg.backups(), primary);
    if (active.equals(primary)) {
      Takeover.Journal j = journal.filter(x -> x.epoch() == epochNow).orElse(null);
      String said = j == null ? "%s is already the active region (epoch %d); nothing to do.".formatted(primary, epochNow)
          : j.completed() ? "The pipeline failback %s -> %s at epoch %d completed at %s; nothing to do.".formatted(j.from(), primary, j.epoch(), j.completedAt())
          : null;
      if (said != null) {
        human.println(said);
        human.flush();
        if (json) {
          FailoverCommand.printJson(out, new Outcome(new FailoverCommand.Outcome(active, primary, epochNow, false, dryRun, reason), null, null,
              null, List.of(), null, null, j != null));
        }
        return 0;
      }
      active = j.from(); // switched back, then stopped before the DNS step: complete it
    }
    String left = active;
    Takeover.Journal previous = journal.filter(j -> !j.completed() && j.from().equals(left)).orElse(null);
    Optional<String> leftJob = Takeover.Journal.read(cfg.backups(), left).map(Takeover.Journal::flinkJob);
    boolean connect = cfg.hasConnect(left) && cfg.hasConnect(primary);
    List<String> toHandBack = connect ? handedBack(cfg, primary, takeover) : List.of(); // refused here, before anything changes
    boolean schemas = cfg.region(left).schemaRegistryUrl().isPresent() && cfg.region(primary).schemaRegistryUrl().isPresent();
    if (dryRun) {
      int[] step = {0};
      human.printf("Dry run of a pipeline failback %s -> %s:%n", left, primary);
      human.printf("  %d. %s%n", ++step[0], topics.isEmpty() ? "no --topics: the replication back to " + primary + " is not checked"
          : "check that every record of %s in %s is in %s (%s), waiting up to %s".formatted(topics, left, primary,
              topics.stream().map(t -> cfg.naming(left).targetTopic(t)).toList(), replicationTimeout));
      if (schemas) {
        human.printf("  %d. snapshot %s's Schema Registry (%s) and restore into %s's (%s) what it lacks, keeping the ids%n", ++step[0], left,
            cfg.schemaRegistry(left).baseUrl(), primary, cfg.schemaRegistry(primary).baseUrl());
      }
      if (!diverged.topics().isEmpty()) {
        human.printf("  %d. search %s of %s for records %s's copies lack, and %s them%n", ++step[0], diverged.topics(), primary, left,
            diverged.policy() == DivergedPolicy.export ? "report and export" : "report");
      }
      if (connect) {
        human.printf("  %d. hand connectors %s over from %s's Connect (%s) to %s's (%s): stopped there, the final offsets carried, started here%n",
            ++step[0], toHandBack, left, cfg.connectors(left), primary, cfg.connectors(primary));
        takeover.slot().ifPresent(s -> human.printf("     slot %s at %s: the connection holding it ended, older offsets moved up to its confirmed LSN%n",
            s.name(), s.url()));
      }
      leftJob.ifPresent(j -> human.printf("  %d. stop Flink job %s in %s at %s with a savepoint%n", ++step[0], j, left, cfg.flinkUrl(left)));
      cfg.flinkJob(primary).ifPresent(j -> human.printf("  %d. start Flink job %s in %s at %s, %s%n", ++step[0], j.spec().name(), primary,
          cfg.flinkUrl(primary), j.fromRecoveryPoint() ? "from that savepoint" : "without state"));
      human.printf("  %d. switch the active region in the store to %s%n", ++step[0], primary);
      cfg.dns().ifPresent(d -> human.printf("  %d. point %s (%s) at %s in %s%n", ++step[0], d.record(), d.type(),
          d.values().getOrDefault(primary, "(no value for " + primary + ": it would fail)"), d.where()));
      human.println("Nothing was changed.");
      human.flush();
      if (json) {
        FailoverCommand.printJson(out, new Outcome(new FailoverCommand.Outcome(left, primary, epochNow + 1, false, true, reason), null, null,
            null, List.of(), null, null, false));
      }
      return 0;
    }
    if (cfg.dns().isPresent() && !cfg.dns().get().values().containsKey(primary)) {
      throw new InvalidRequestException(ResourceType.CONFIG_KEY, "dns.values",
          "%s: 'dns.values' has no value for %s, where the record would point after this failback; add it, e.g. %s: kafka.%s.example.com"
              .formatted(cfg.file(), primary, primary, primary));
    }
    ReplicationCheck replication = null;
    if (!topics.isEmpty()) {
      human.printf("Checking that what %s wrote is in %s: %s%n", left, primary, topics);
      human.flush();
      replication = awaitReplicated(cfg, left, primary, topics, replicationTimeout);
      if (!replication.caughtUp()) {
        human.printf("  ✘ not caught up after %s: %d record(s) behind %s%s%n", replicationTimeout, replication.recordsBehind(),
            replication.behind(), replication.missingTopics().isEmpty() ? "" : "; no copy in " + primary + " of " + replication.missingTopics());
        human.printf("Nothing was changed. Start or fix the replication %s -> %s, then run the same failback again.%n", left, primary);
        return finish(cfg, out, human, json, new Outcome(new FailoverCommand.Outcome(left, primary, epochNow, false, false, reason),
            replication, null, null, List.of(), null, null, false), 1);
      }
      human.printf("  ✔ every record of %s is in %s%n", topics, primary);
    } else {
      human.printf("  ! no --topics: the replication %s -> %s was not checked; records %s acknowledged and not yet copied stay there%n",
          left, primary, left);
    }
    Takeover.SchemasOutcome schemasBack = null;
    if (schemas) { // what the active region registered (the connectors' new versions, say), before the primary's connectors write again
      schemasBack = schemasBack(cfg, left, primary, human);
      if (!schemasBack.ok()) {
        human.printf("Nothing was switched back: fix what the line above names, then run the same failback again (%s stays active).%n", left);
        return finish(cfg, out, human, json, new Outcome(new FailoverCommand.Outcome(left, primary, epochNow, false, false, reason),
            replication, schemasBack, null, List.of(), null, null, false), 1);
      }
    }
    DivergedOutcome tail = diverged.topics().isEmpty() ? null : divergedTail(cfg, primary, left, diverged, human);
    Takeover.Journal j = previous != null ? previous
        : Takeover.Journal.begin(left, primary, epochNow + 1, "live handover from " + left, Instant.now()).write(cfg.backups());
    boolean all = true;
    List<ConnectorHandover.Outcome> connectors = List.of();
    if (connect) {
      connectors = handOver(cfg, left, primary, toHandBack, takeover, human);
      all = connectors.stream().allMatch(ConnectorHandover.Outcome::handedOver);
    }
    FlinkOutcome flink = null;
    if (all && (leftJob.isPresent() || cfg.flinkJob(primary).isPresent())) {
      flink = moveJob(cfg, left, primary, leftJob.orElse(null), j.flinkJob(), takeover.timeout(), human);
      if (flink.started() != null && flink.started().started()) {
        j = j.withFlinkJob(flink.started().startedAs()).write(cfg.backups());
      }
      all = flink.started() == null || flink.started().started();
    }
    if (!all) {
      human.printf("Not switched back: fix what the lines above name, then run the same failback again (%s stays active).%n", left);
      return finish(cfg, out, human, json, new Outcome(new FailoverCommand.Outcome(left, primary, epochNow, false, false, reason),
          replication, schemasBack, tail, connectors, flink, null, false), 1);
    }
    boolean switched = !read(cfg.activeRegionStore()).region().equals(primary);
    if (switched) {
      int code = FailoverCommand.switchTo(cfg, human, primary, reason, false, false); // FencedException (exit 3) if another router switched first
      if (code != 0) {
        return code;
      }
    }
    Takeover.DnsOutcome dns = null;
    if (cfg.dns().isPresent()) {
      dns = Takeover.pointDns(cfg, primary);
      human.printf("  %s DNS %s%n", dns.ok() ? "✔" : "✘", dns.detail());
      all = dns.ok();
    }
    if (all) {
      j.complete(Instant.now()).write(cfg.backups());
    } else {
      human.printf("Switched back, but not everything was done; fix what the lines above name, then run the same failback again.%n");
    }
    long epoch = read(cfg.activeRegionStore()).epoch();
    return finish(cfg, out, human, json, new Outcome(new FailoverCommand.Outcome(left, primary, epoch, switched, false, reason), replication,
        schemasBack, tail, connectors, flink, dns, all), all ? 0 : 1);
  }

  /** Keeps the outcome in the backups, prints it as JSON if asked, and returns {@code code}. */
  private static int finish(StreamDrConfig cfg, PrintWriter out, PrintWriter human, boolean json, Outcome outcome, int code) {
    FailoverCommand.keepReport(cfg, human, "failback", outcome.failback().from(), outcome.failback().to(), outcome);
    human.flush();
    if (json) {
      FailoverCommand.printJson(out, outcome);
    }
    out.flush();
    return code;
  }

  /**
   * A snapshot of the active region's registry ({@code schemas/failback-LEFT-INSTANT}) restored into the primary's:
   * the versions registered there since the failover, with their ids. An id the primary gave another schema meanwhile
   * fails it, and nothing is written.
   */
  private static Takeover.SchemasOutcome schemasBack(StreamDrConfig cfg, String left, String primary, PrintWriter human) {
    String id = "failback-%s-%s".formatted(left, io.streamdr.core.internal.Stamps.now());
    io.streamdr.kafka.schema.SchemaSnapshot snapshot;
    try {
      snapshot = io.streamdr.kafka.schema.SchemaBackup.of(cfg.schemaRegistry(left), cfg.backups()).take(id);
    } catch (io.streamdr.core.DrException e) {
      Takeover.SchemasOutcome failed = new Takeover.SchemasOutcome(id, cfg.schemaRegistry(left).baseUrl(), 0, 0,
          "could not snapshot " + left + "'s registry: " + e.getMessage());
      human.printf("  ✘ %s%n", failed.detail());
      return failed;
    }
    Takeover.SchemasOutcome done = Takeover.restoreSchemas(cfg, snapshot, primary);
    human.printf("  %s %s%n", done.ok() ? "✔" : "✘", done.detail());
    return done;
  }

  /** The primary's records the copies in {@code left} lack now, by content; reported, and exported if asked. */
  private static DivergedOutcome divergedTail(StreamDrConfig cfg, String primary, String left, Diverged diverged, PrintWriter human) {
    human.printf("Searching %s of %s for records %s's copies lack%n", diverged.topics(), primary, left);
    human.flush();
    Duration timeout = Duration.ofMinutes(5);
    var naming = cfg.naming(primary);
    var copies = io.streamdr.kafka.pipeline.DivergedTail.snapshot(cfg.clusters().get(left), diverged.topics(), naming::targetTopic, timeout);
    var found = io.streamdr.kafka.pipeline.DivergedTail.find(cfg.clusters().get(primary), diverged.topics(), copies, timeout);
    String exported = null;
    if (diverged.policy() == DivergedPolicy.export && !found.records().isEmpty()) {
      exported = found.export(cfg.backups(), "failback-" + io.streamdr.core.internal.Stamps.now()).toString();
    }
    human.printf("  %s %s%s%n", found.records().isEmpty() ? "✔" : "!", found.report(), exported == null ? ""
        : "; exported to " + exported + " in the backups");
    if (!found.records().isEmpty()) {
      human.printf("    they stay in %s's topics, where consumers that return read them%n", primary);
    }
    return new DivergedOutcome(found.report(), exported);
  }

  private static ActiveRegion read(ActiveRegionStore store) {
    try {
      return store.read().orElse(null);
    } finally {
      if (store instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          // closing clients
        }
      }
    }
  }

  /** Waits until every record of {@code topics} of {@code from} is in {@code to}, or the timeout passes. */
  private static ReplicationCheck awaitReplicated(StreamDrConfig cfg, String from, String to, List<String> topics, Duration timeout) {
    long t0 = System.nanoTime();
    try (MirrorMakerReplicationProbe probe = MirrorMakerReplicationProbe.builder(from, cfg.clusters().get(from), cfg.clusters().get(to))
        .naming(cfg.naming(from))
        .topics(topics)
        .timeout(Duration.ofSeconds(10))
        .build()) {
      MirrorMakerReplicationProbe.ReplicationLag lag;
      try {
        lag = probe.awaitCaughtUp(timeout);
      } catch (DrTimeoutException e) {
        throw new DrTimeoutException(ResourceType.REPLICATION, from + " -> " + to, timeout, ("Could not measure the replication %s -> %s"
            + " of %s within %s (%s); check that both regions' Kafka clusters answer, then run the same failback again. Nothing was changed.")
            .formatted(from, to, topics, timeout, e.getMessage()));
      }
      List<String> behind = lag.partitions().stream().filter(p -> p.records() > 0)
          .map(p -> p.topic() + "-" + p.partition() + ": " + p.records()).toList();
      return new ReplicationCheck(topics, lag.totalRecords() == 0 && lag.missingTopics().isEmpty(), lag.totalRecords(), behind,
          lag.missingTopics(), (System.nanoTime() - t0) / 1_000_000);
    }
  }

  private static List<ConnectorHandover.Outcome> handOver(StreamDrConfig cfg, String from, String to, List<String> toHandBack,
      TakeoverOptions takeover, PrintWriter human) {
    ConnectorAdmin source = cfg.connectors(from);
    List<String> names = source.connectors().stream().filter(toHandBack::contains).toList();
    if (names.isEmpty()) {
      human.printf("  none of %s is in %s's Connect: none to hand over%n", toHandBack, from);
      return List.of();
    }
    human.printf("Handing %s over from %s to %s%n", names, from, to);
    human.flush();
    List<String> repointed = new java.util.concurrent.CopyOnWriteArrayList<>();
    // a connector the primary does not have is created from the active region's configuration: its converters then
    // register in the primary's Schema Registry, not in the one of the region it leaves
    ConnectorHandover handover = ConnectorHandover.from(source).to(cfg.connectors(to)).timeout(takeover.timeout())
        .config((name, config) -> Takeover.pointAtRegistry(cfg, name, config, from, to, repointed));
    if (takeover.slot().isPresent()) {
      Takeover.Slot slot = takeover.slot().get();
      handover = handover.offsets((name, offsets) -> slot.fenceAndAlign(name, offsets, said -> human.println("  " + said)));
    }
    List<ConnectorHandover.Outcome> outcomes = handover.handOver(names);
    outcomes.forEach(o -> human.printf("  %s %s: %s%n", o.handedOver() ? "✔" : "✘", o.connector(), o.detail()));
    if (!repointed.isEmpty()) {
      human.printf("  ✔ %s%n", new Takeover.Repointed(null, List.copyOf(repointed)).detail(to));
    }
    return outcomes;
  }

  /**
   * The connectors to hand back to the primary: those of {@code --connectors}, or else those its newest pipeline
   * checkpoint names (what it ran, and a failover took over). Never every connector of the region left, which may run
   * connectors of its own.
   */
  private static List<String> handedBack(StreamDrConfig cfg, String primary, TakeoverOptions takeover) {
    if (!takeover.only.isEmpty()) {
      return takeover.only;
    }
    return io.streamdr.kafka.pipeline.PipelineCheckpointer.latest(cfg.backups(), primary)
        .map(c -> c.connectors().stream().map(io.streamdr.kafka.pipeline.PipelineCheckpoint.Connector::name).toList())
        .orElseThrow(() -> new InvalidRequestException(ResourceType.PIPELINE_CHECKPOINT, primary, ("No pipeline checkpoint of %s"
            + " names the connectors to hand back to it; name them with --connectors (the other region's own connectors stay"
            + " where they are)").formatted(primary)));
  }

  /** Stops the job the failover started in {@code from} with a savepoint, then starts the primary's job. */
  private static FlinkOutcome moveJob(StreamDrConfig cfg, String from, String to, String leftJob, String alreadyStarted, Duration timeout,
      PrintWriter human) {
    String savepointLocation = null;
    Savepoint savepoint = null;
    if (leftJob != null) {
      FlinkRestSavepointClient left = cfg.flinkRest(from);
      JobRef job = new JobRef(leftJob);
      try {
        if (Takeover.RUNNING.contains(left.state(job))) {
          human.printf("Stopping Flink job %s in %s with a savepoint%n", leftJob, from);
          human.flush();
          savepoint = left.await(left.stopWithSavepoint(job, SavepointOptions.defaults(), false), timeout);
          savepointLocation = savepoint.location().orElse(null);
          human.printf("  ✔ stopped, savepoint %s%n", savepointLocation);
        }
      } catch (NotFoundException e) {
        human.printf("  Flink job %s is gone from %s's Flink; nothing to stop%n", leftJob, from);
      }
    }
    Takeover.JobOutcome started = null;
    Optional<StreamDrConfig.FlinkJob> job = cfg.flinkJob(to);
    if (job.isPresent()) {
      Savepoint stoppedAt = savepoint;
      started = Takeover.startJob(cfg, to, () -> stoppedAt, alreadyStarted, timeout);
      human.printf("  %s Flink job %s%s: %s%n", started.started() ? "✔" : "✘", started.job(),
          started.startedAs() == null ? "" : " as " + started.startedAs(), started.detail());
    }
    return new FlinkOutcome(leftJob, savepointLocation, started);
  }
}
