package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorSnapshots;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.core.DrException;
import io.streamdr.core.FencedException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code failover} and {@code failback}: switch the active region recorded in the configured store and, where the
 * configuration describes a pipeline, move the pipeline with it ({@link PipelineFailback} for the way back).
 */
final class FailoverCommand {
  private FailoverCommand() {}

  /** What a failover or failback did, as --json prints it. */
  record Outcome(String from, String to, long epoch, boolean switched, boolean dryRun, String reason) {}

  /** Switches, printing what it did to {@code out}; returns the exit code. */
  static int switchTo(StreamDrConfig cfg, PrintWriter out, String regionName, String reason, boolean dryRun, boolean json) {
    Region to = cfg.regionOrPrimary(regionName);
    ActiveRegionStore store = cfg.activeRegionStore();
    try {
      if (dryRun) { // reads only: a router would record the primary in an empty store
        ActiveRegion now = store.read().orElse(null);
        String current = now == null ? cfg.topology().primary() + " (none recorded yet: the primary)" : now.region();
        long epoch = now == null ? 1 : now.epoch();
        boolean same = (now == null ? cfg.topology().primary() : now.region()).equals(to.name());
        if (json) {
          return printJson(out, new Outcome(now == null ? cfg.topology().primary() : now.region(), to.name(), same ? epoch : epoch + 1,
              false, true, reason));
        }
        out.printf("Dry run: active region is %s at epoch %d; %s. Nothing was changed.%n", current, epoch,
            same ? "it would stay so" : "would switch to " + to.name() + " at epoch " + (epoch + 1));
        out.flush();
        return 0;
      }
      DefaultRegionRouter router = new DefaultRegionRouter(cfg.topology(), store);
      ActiveRegion before = router.state();
      if (json) {
        boolean switching = !before.region().equals(to.name());
        if (switching) {
          router.failover(to, reason);
        }
        return printJson(out, new Outcome(before.region(), to.name(), router.epoch(), switching, false, reason));
      }
      if (before.region().equals(to.name())) {
        out.printf("%s is already the active region (epoch %d); nothing to do.%n", to.name(), before.epoch());
      } else {
        router.failover(to, reason); // FencedException (exit 3) if another router switched first
        out.printf("Switched the active region %s -> %s at epoch %d: %s%n", before.region(), to.name(), router.epoch(), reason);
      }
      out.flush();
      return 0;
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

  private static long epoch(StreamDrConfig cfg) throws Exception {
    ActiveRegionStore store = cfg.activeRegionStore();
    try {
      return store.read().map(ActiveRegion::epoch).orElse(1L);
    } finally {
      if (store instanceof AutoCloseable c) {
        c.close();
      }
    }
  }

  /**
   * Whether a failover or failback runs the pipeline runbook: with {@code --pipeline}, or where the file describes a
   * pipeline, unless {@code --switch-only}.
   */
  private static boolean pipelineRunbook(CommandSpec spec, StreamDrConfig cfg, boolean pipeline, boolean switchOnly) {
    if (pipeline && switchOnly) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--pipeline and --switch-only exclude each other");
    }
    return pipeline || !switchOnly && cfg.describesPipeline();
  }

  /**
   * Keeps what a pipeline failover or failback did in the backups, where the other region can read it, as
   * {@code pipeline-reports/KIND-FROM-to-TO-TIME.json} (the document --json prints); says where on {@code human}.
   */
  static void keepReport(StreamDrConfig cfg, PrintWriter human, String kind, String from, String to, Object outcome) {
    io.streamdr.core.backup.BackupKey key = io.streamdr.core.backup.BackupKey.of("pipeline-reports", "%s-%s-to-%s-%s.json".formatted(kind, from,
        to, io.streamdr.core.internal.Stamps.now()));
    try {
      cfg.backups().put(key, io.streamdr.core.internal.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(outcome));
      human.printf("Report: %s in the backups%n", key);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | DrException e) {
      human.printf("The report could not be kept in the backups (%s); the outcome above stands%n", e.getMessage());
    }
  }

  /** Prints an outcome as the JSON document --json promises; returns 0. */
  static int printJson(PrintWriter out, Object outcome) {
    try {
      out.println(io.streamdr.core.internal.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(outcome));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
    return 0;
  }

  @Command(name = "failover", mixinStandardHelpOptions = true, header = "Make a region the active one (fenced by epoch).",
      description = {"Make a region the active one: a compare-and-set on the epoch in the configured active-region store, which"
          + " region-aware clients and other routers follow. Where streamdr.yaml describes a pipeline (a Connect cluster, a"
          + " flinkJob, a clusterLink or dns), the pipeline failover: the schemas of the region left restored into this region's"
          + " Schema Registry (where its checkpoint names a schema snapshot) and the switch, then the connectors, the Flink job,"
          + " the mirrors and DNS taken over (--switch-only: the switch alone).",
          "Exit code: 0 switched (or already active) and everything taken over, 1 a step failed (run it again to complete"
          + " it), 2 error, 3 another router switched first (the store names the winner)."})
  static final class Failover implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--to", required = true, description = "The region to make active.")
    String to;

    @Option(names = "--reason", defaultValue = "manual failover", description = "Why, recorded with the switch.")
    String reason;

    @Option(names = "--dry-run", description = "Say what would change, change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the outcome as JSON, and nothing else, on standard output.")
    boolean json;

    @Option(names = "--pipeline", description = "The pipeline failover (the default when streamdr.yaml describes a pipeline:"
        + " a Connect cluster, a flinkJob, a clusterLink or dns): the switch, then the connectors of the region left taken over from"
        + " its newest pipeline checkpoint (streamdr checkpoint), its Flink job, mirrors and DNS, with the options below. Run it"
        + " again to complete one that stopped after the switch.")
    boolean pipeline;

    @Option(names = "--switch-only", description = "Only switch the active region in the store, whatever streamdr.yaml describes.")
    boolean switchOnly;

    @Mixin TakeoverOptions takeover;

    /** A pipeline failover's outcome, as --json prints it. */
    record PipelineOutcome(Outcome failover, String checkpointOf, java.time.Instant checkpointTakenAt, Takeover.SchemasOutcome schemas,
        List<ConnectorSnapshots.Outcome> connectors, Takeover.JobOutcome flinkJob, Takeover.MirrorsOutcome mirrors, Takeover.DnsOutcome dns) {}

    @Override
    public Integer call() throws Exception {
      StreamDrConfig cfg = config.load();
      if (!pipelineRunbook(spec, cfg, pipeline, switchOnly)) {
        return switchTo(cfg, spec.commandLine().getOut(), to, reason, dryRun, json);
      }
      takeover.check(spec);
      String target = cfg.region(to).name();
      ActiveRegionStore store = cfg.activeRegionStore();
      ActiveRegion now;
      try {
        now = store.read().orElse(null);
      } finally {
        if (store instanceof AutoCloseable c) {
          c.close();
        }
      }
      String left = now == null ? cfg.topology().primary() : now.region();
      long epochNow = now == null ? 1 : now.epoch();
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter human = json ? spec.commandLine().getErr() : out;
      Takeover.Journal interrupted = null;
      if (left.equals(target)) {
        Takeover.Journal journal = Takeover.Journal.read(cfg.backups(), target).filter(j -> j.epoch() == epochNow).orElse(null);
        if (journal == null) {
          throw new IllegalStateException(target + " is already the active region; a pipeline failover takes over from the region"
              + " active before it (run 'streamdr connectors restore --from-checkpoint REGION --region " + target + "' to repeat the takeover)");
        }
        if (journal.completed()) {
          human.printf("The pipeline failover %s -> %s at epoch %d completed at %s; nothing to do.%n", journal.from(), target,
              journal.epoch(), journal.completedAt());
          human.flush();
          if (json) {
            printJson(out, new PipelineOutcome(new Outcome(journal.from(), target, epochNow, false, dryRun, reason), journal.from(), null,
                null, List.of(), null, null, null));
          }
          return 0;
        }
        interrupted = journal;
        left = journal.from();
      }
      if (cfg.dns().isPresent() && !cfg.dns().get().values().containsKey(target)) { // found now, not after the switch
        throw new InvalidRequestException(ResourceType.CONFIG_KEY, "dns.values",
            "%s: 'dns.values' has no value for %s, where the record would point after this failover; add it, e.g. %s: kafka.%s.example.com"
                .formatted(cfg.file(), target, target, target));
      }
      // before switching: without a checkpoint, nothing to take over
      io.streamdr.kafka.pipeline.PipelineCheckpoint checkpoint = Takeover.checkpoint(cfg, left);
      // converters that name the left region's Schema Registry write to the target's once restored there
      Takeover.Repointed repointed = Takeover.pointAtRegistry(cfg, Takeover.snapshot(checkpoint), left, target);
      ConnectorSnapshot snapshot = repointed.snapshot();
      // read and checked now: a checkpoint naming schemas the target has no registry for, or a damaged snapshot, changes nothing
      java.util.Optional<io.streamdr.kafka.schema.SchemaSnapshot> schemas = Takeover.schemasToRestore(cfg, checkpoint, target);
      java.util.Optional<io.streamdr.cli.config.StreamDrConfig.FlinkJob> flinkJob = cfg.flinkJob(target);
      java.time.Duration age = java.time.Duration.between(snapshot.createdAt(), java.time.Instant.now());
      if (dryRun) {
        int[] step = {0};
        human.printf("Dry run of a pipeline failover %s -> %s:%n", left, target);
        cfg.clusterLink(target).ifPresent(c -> human.printf("  %d. %s the mirror topics %s of cluster link %s on %s at %s%n", ++step[0],
            c.promote() ? "promote" : "fail over", c.topics(), c.link(), c.cluster(), c.endpoint()));
        schemas.ifPresent(x -> human.printf("  %d. restore schema snapshot %s (%d version(s) of %d subject(s)) into %s's Schema Registry at %s,"
            + " keeping their ids%n", ++step[0], x.id(), x.versions(), x.subjects().size(), target, cfg.schemaRegistry(target).baseUrl()));
        human.printf("  %d. %s%n", ++step[0], interrupted == null ? "switch the active region in the store to " + target
            : "(switched at epoch " + interrupted.epoch() + " by the run that did not complete)");
        if (takeover.chosen(snapshot).isEmpty()) {
          human.printf("  %d. no connectors to restore: %s's pipeline checkpoint taken %s ago (%s) holds none%s%n", ++step[0], left,
              age.toSeconds() + " s", snapshot.createdAt(), snapshot.connectors().isEmpty() ? "" : " of those chosen");
        } else {
          human.printf("  %d. restore %d connector(s) of %s's pipeline checkpoint taken %s ago (%s) into %s's Connect:%n", ++step[0],
              takeover.chosen(snapshot).size(), left, age.toSeconds() + " s", snapshot.createdAt(), target);
          takeover.describe(takeover.chosen(snapshot), human);
          if (!repointed.settings().isEmpty()) {
            human.printf("     %s%n", repointed.detail(target));
          }
        }
        flinkJob.ifPresent(j -> human.printf("  %d. start Flink job %s (%s%s%s) in %s's Flink at %s, %s%n", ++step[0], j.spec().name(),
            j.spec().jarFile().map(Object::toString).orElseGet(() -> "jar " + j.spec().jarId().orElse("?")),
            j.spec().entryClass().map(c -> ", " + c).orElse(""), j.spec().arguments().isEmpty() ? "" : " " + String.join(" ", j.spec().arguments()),
            target, cfg.flinkUrl(target), !j.fromRecoveryPoint() ? "without state"
                : "from the checkpoint's recovery point " + checkpoint.job().flatMap(p -> p.location()).orElse("(none: it would fail)")));
        cfg.dns().ifPresent(d -> human.printf("  %d. point %s (%s) at %s in %s%n", ++step[0], d.record(), d.type(),
            d.values().getOrDefault(target, "(no value for " + target + ": it would fail)"), d.where()));
        human.println("Nothing was changed.");
        human.flush();
        if (json) {
          printJson(out, new PipelineOutcome(new Outcome(left, target, interrupted == null ? epochNow + 1 : epochNow, false, true, reason),
              left, snapshot.createdAt(), null, List.of(), null, null, null));
        }
        return 0;
      }
      Takeover.Journal journal;
      Takeover.MirrorsOutcome mirrors = null;
      Takeover.SchemasOutcome schemasDone = null;
      if (schemas.isPresent()) { // before anything writes there: producers following the switch, the connectors taken over
        schemasDone = Takeover.restoreSchemas(cfg, schemas.get(), target);
        human.printf("  %s %s%n", schemasDone.ok() ? "✔" : "✘", schemasDone.detail());
        if (!schemasDone.ok()) {
          human.printf("%s: the schemas above are not in %s's registry; fix what they name, then run the same failover again.%n",
              interrupted == null ? "Not switched" : "Connectors not started", target);
          PipelineOutcome refused = new PipelineOutcome(new Outcome(left, target, epochNow, false, false, reason),
              left, snapshot.createdAt(), schemasDone, List.of(), null, null, null);
          keepReport(cfg, human, "failover", left, target, refused);
          human.flush();
          if (json) {
            printJson(out, refused);
          }
          return 1;
        }
      }
      if (interrupted == null) {
        // the journal first: a run killed after the switch finds it and completes the takeover
        journal = Takeover.Journal.begin(left, target, epochNow + 1, snapshot.id(), java.time.Instant.now()).write(cfg.backups());
        if (cfg.clusterLink(target).isPresent()) { // writable before producers follow the switch
          mirrors = Takeover.makeMirrorsWritable(cfg, target);
          human.printf("  %s mirror topics: %s%n", mirrors.ok() ? "✔" : "✘", mirrors.detail());
          if (!mirrors.ok()) {
            human.printf("Not switched: the mirror topics above are not writable in %s; fix what they name, then run the same failover again.%n", target);
            PipelineOutcome refused = new PipelineOutcome(new Outcome(left, target, epochNow, false, false, reason), left, snapshot.createdAt(),
                schemasDone, List.of(), null, mirrors, null);
            keepReport(cfg, human, "failover", left, target, refused);
            human.flush();
            if (json) {
              printJson(out, refused);
            }
            return 1;
          }
        }
        int switched = switchTo(cfg, human, to, reason, false, false); // FencedException (exit 3) if another router switched first
        if (switched != 0) {
          return switched;
        }
      } else {
        journal = interrupted;
        human.printf("Completing the pipeline failover %s -> %s that stopped after the switch at epoch %d (started %s)%n", left, target,
            journal.epoch(), journal.startedAt());
        if (cfg.clusterLink(target).isPresent()) {
          mirrors = Takeover.makeMirrorsWritable(cfg, target);
          human.printf("  %s mirror topics: %s%n", mirrors.ok() ? "✔" : "✘", mirrors.detail());
        }
      }
      long epoch = epoch(cfg);
      human.printf("Taking over %s's connectors from its pipeline checkpoint taken %d s before now (%s)%n", left, age.toSeconds(), snapshot.createdAt());
      if (!repointed.settings().isEmpty()) {
        human.printf("  ✔ %s%n", repointed.detail(target));
      }
      ConnectorSnapshot aligned = takeover.align(snapshot, human);
      List<ConnectorSnapshots.Outcome> outcomes = takeover.chosen(aligned).isEmpty() ? List.of() // a region without connectors needs no Connect
          : takeover.restore(cfg, aligned, target, spec.commandLine().getErr(), interrupted != null);
      boolean all = outcomes.stream().allMatch(ConnectorSnapshots.Outcome::restored);
      Takeover.JobOutcome job = null;
      if (flinkJob.isPresent()) {
        human.printf("Starting Flink job %s in %s%n", flinkJob.get().spec().name(), target);
        human.flush();
        job = Takeover.startJob(cfg, target, checkpoint, journal.flinkJob(), takeover.timeout());
        if (job.started()) {
          journal = journal.withFlinkJob(job.startedAs()).write(cfg.backups());
        }
        all &= job.started();
      }
      if (mirrors != null) {
        all &= mirrors.ok();
      }
      Takeover.DnsOutcome dns = null;
      if (cfg.dns().isPresent()) {
        dns = Takeover.pointDns(cfg, target);
        human.printf("  %s DNS %s%n", dns.ok() ? "✔" : "✘", dns.detail());
        all &= dns.ok();
      }
      if (all) {
        journal.complete(java.time.Instant.now()).write(cfg.backups());
      }
      PipelineOutcome done = new PipelineOutcome(new Outcome(left, target, epoch, interrupted == null, false, reason), left,
          snapshot.createdAt(), schemasDone, outcomes, job, mirrors, dns);
      keepReport(cfg, human, "failover", left, target, done);
      if (json) {
        printJson(out, done);
      } else {
        TakeoverOptions.print(outcomes, out);
        if (job != null) {
          out.printf("  %s Flink job %s%s: %s%n", job.started() ? "✔" : "✘", job.job(), job.startedAs() == null ? "" : " as " + job.startedAs(),
              job.detail());
        }
      }
      if (!all) {
        human.printf("Not everything was taken over; fix what the lines above name, then run the same failover again to complete it.%n");
      }
      out.flush();
      human.flush();
      return all ? 0 : 1;
    }
  }

  @Command(name = "failback", mixinStandardHelpOptions = true, header = "Make the primary region active again.",
      description = {"Make the primary region active again. Where streamdr.yaml describes a pipeline, the pipeline failback:"
          + " the replication back checked (--topics), the connectors handed over with their final offsets, the Flink job"
          + " moved, then the switch and DNS (--switch-only: the switch alone).",
          "Exit code: 0 switched (or already active), 1 replication behind or a step failed (run it again), 2 error,"
          + " 3 another router switched first."})
  static final class Failback implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--reason", defaultValue = "manual failback", description = "Why, recorded with the switch.")
    String reason;

    @Option(names = "--dry-run", description = "Say what would change, change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the outcome as JSON, and nothing else, on standard output.")
    boolean json;

    @Option(names = "--pipeline", description = "The pipeline failback (the default when streamdr.yaml describes a pipeline):"
        + " move the pipeline back first, while both regions run: check that --topics are replicated back, hand the connectors"
        + " over with their final offsets, stop the Flink job the failover started with a savepoint and start the primary's,"
        + " then switch and point DNS back. Run it again to complete one that stopped.")
    boolean pipeline;

    @Option(names = "--switch-only", description = "Only switch the active region back in the store, whatever streamdr.yaml describes.")
    boolean switchOnly;

    @Option(names = "--topics", split = ",", description = "With --pipeline: the active region's topics whose every record must be"
        + " in the primary (through the replication back) before anything changes.")
    List<String> topics = List.of();

    @Option(names = "--replication-timeout", defaultValue = "5m", description = "With --topics: how long to wait for the replication"
        + " back to catch up, e.g. 30s, 5m (default ${DEFAULT-VALUE}).")
    java.time.Duration replicationTimeout;

    @Option(names = "--diverged-topics", split = ",", description = "With --pipeline: the primary's topics to search for its diverged"
        + " tail (records it acknowledged that the active region's copies lack, by content), reported before anything changes.")
    List<String> divergedTopics = List.of();

    @Option(names = "--diverged", defaultValue = "report", description = "What to do with the diverged tail: report (it stays in the"
        + " primary's topics, where consumers that return read it), or export (also written to the backups as"
        + " diverged-tail/ID.jsonl). Default ${DEFAULT-VALUE}.")
    PipelineFailback.DivergedPolicy diverged;

    @Mixin TakeoverOptions takeover;

    @Override
    public Integer call() {
      StreamDrConfig cfg = config.load();
      if (!pipelineRunbook(spec, cfg, pipeline, switchOnly)) {
        if (!topics.isEmpty() || !divergedTopics.isEmpty()) {
          throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--topics and --diverged-topics are for the pipeline"
              + " failback; " + (switchOnly ? "drop --switch-only" : cfg.file() + " describes no pipeline: add --pipeline"));
        }
        return switchTo(cfg, spec.commandLine().getOut(), null, reason, dryRun, json);
      }
      takeover.check(spec);
      PrintWriter out = spec.commandLine().getOut();
      return PipelineFailback.run(cfg, out, json ? spec.commandLine().getErr() : out, takeover, topics, replicationTimeout,
          new PipelineFailback.Diverged(divergedTopics, diverged), reason, dryRun, json);
    }
  }
}
