package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Json;
import io.streamdr.core.region.Region;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.ContinuousBackup;
import io.streamdr.kafka.restore.RestorePlan;
import io.streamdr.kafka.restore.RestoreReport;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.kafka.schema.SchemaBackup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "restore", mixinStandardHelpOptions = true, header = "Restore a backup into a region, never writing twice.",
    description = {"Restore a backup (its chain of full and incremental backups) into a region's Kafka cluster, with the same "
            + "partitions and timestamps. Every segment is verified before the first record is written, and each target "
            + "partition is checked by content first: empty, or holding the start of this restore (resumed after it), or "
            + "all of it (nothing written). A partition holding anything else is refused unless --append is given.",
        "With --schemas, first the backup's schema snapshot into the region's Schema Registry, keeping every schema id (alone "
            + "if the id holds only a schema snapshot).",
        "Exit code: 0 done, 2 error (nothing written if the backup is damaged or a target is refused)."})
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(names = "--backup", required = true, description = "The backup to restore (with the chain it belongs to), or a continuous backup's name: its checkpoint for --point-in-time (the first taken at or after it), else its newest.")
  String backup;

  @Option(names = "--region", required = true, description = "Region whose cluster to restore into.")
  String region;

  @Option(names = "--topics", split = ",", description = "Restore only these topics of the backup, comma-separated (default: all).")
  List<String> topics = List.of();

  @Option(names = "--pattern", paramLabel = "REGEX", description = "Restore (also) the backup's topics whose whole name matches.")
  String pattern;

  @Option(names = "--rename", paramLabel = "FROM=TO", description = "Restore topic FROM as TO (repeatable); FROM must be in the backup.")
  Map<String, String> renames = new LinkedHashMap<>();

  @Option(names = "--point-in-time", paramLabel = "INSTANT", description = "Restore only records stamped up to this instant, in UTC, e.g. 2026-11-24T05:30:00Z.")
  Instant pointInTime;

  @Option(names = "--append", description = "Write after whatever the target partitions hold instead of refusing those that hold other records.")
  boolean append;

  @Option(names = "--pipelined", description = "Verify each partition just before writing it, not all first (for very large restores: a damaged segment then leaves a partial restore).")
  boolean pipelined;

  @Option(names = "--local-copy-dir", paramLabel = "DIR", description = "Keep a copy of each segment as it is verified in a new directory under DIR and write from it, so a backup in S3 is downloaded once, not twice (needs the segments' size free, else it downloads twice; deleted when the restore ends).")
  Path localCopyDir;

  @Option(names = "--replication-factor", paramLabel = "N", description = "Replication factor of the topics the restore creates (default: the backed-up one).")
  Integer replicationFactor;

  @Option(names = "--parallelism", paramLabel = "N", description = "Partitions produced at once (default 8; 1 produces one partition after another).")
  Integer parallelism;

  @Option(names = "--dry-run", description = "Say per topic what would be written and what the target holds; write nothing.")
  boolean dryRun;

  @Option(names = "--schemas", description = "First restore the schema snapshot of this id (streamdr backup --schemas) into the region's Schema Registry (regions[].schemaRegistry), keeping its ids.")
  boolean schemas;

  @Option(names = "--json", description = "Print the result (or the dry run's plan) as JSON, and nothing else, on standard output (with --schemas: {\"schemas\": ..., \"topics\": ...}).")
  boolean json;

  /**
   * The backup id to restore: {@code id} itself when it is one, else, when it names a continuous backup, its
   * checkpoint for the point in time (the first taken at or after it, else the newest), said on standard error.
   */
  private String checkpointOf(BackupTarget backups, String id) {
    if (id.contains("@") || backups.exists(BackupManifest.key(id))) {
      return id;
    }
    ContinuousBackup continuous = new ContinuousBackup(backups, id);
    Optional<String> chosen = pointInTime == null ? Optional.ofNullable(continuous.checkpointIds().lastEntry()).map(Map.Entry::getValue)
        : continuous.checkpointAt(pointInTime);
    chosen.ifPresent(c -> spec.commandLine().getErr().printf("Continuous backup %s: restoring its checkpoint %s (%s)%n", id, c,
        pointInTime == null ? "the newest" : "the first taken at or after " + pointInTime + ", cut there"));
    return chosen.orElse(id);
  }

  @Override
  public Integer call() throws Exception {
    StreamDrConfig cfg = config.load();
    Region target = cfg.region(region);
    PrintWriter out = spec.commandLine().getOut();
    String backup = checkpointOf(cfg.backups(), this.backup);
    SchemaBackup.RestoreReport schemaReport = null;
    if (schemas) {
      if (dryRun) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--dry-run does not cover --schemas; a schema restore "
            + "checks the whole registry first and writes nothing on a conflict, so run it without --dry-run");
      }
      if (!cfg.backups().exists(SchemaBackup.key(backup))) {
        throw new NotFoundException(ResourceType.BACKUP, backup, "No schema snapshot '%s' in the backups; take one with 'streamdr backup --schemas --id %s'%s"
            .formatted(backup, backup, cfg.backups().exists(BackupManifest.key(backup)) ? ", or restore backup " + backup + " without --schemas" : ""));
      }
      schemaReport = SchemaBackup.restore(SchemaBackup.read(cfg.backups(), backup), cfg.schemaRegistry(target.name()));
      if (!cfg.backups().exists(BackupManifest.key(backup))) {
        printSchemas(out, schemaReport, null);
        return 0;
      }
    }
    TopicRestore.Builder b = TopicRestore.builder(target.kafkaClientConfig(), cfg.backups(), backup)
        .topics(Set.copyOf(topics)).append(append).pipelined(pipelined);
    if (localCopyDir != null) {
      b.localCopyDirectory(localCopyDir);
    }
    renames.forEach(b::rename);
    if (pattern != null) {
      b.topicPattern(Pattern.compile(pattern));
    }
    if (pointInTime != null) {
      b.pointInTime(pointInTime);
    }
    if (parallelism != null) {
      b.parallelism(parallelism);
    }
    if (replicationFactor != null) {
      b.replicationFactor(replicationFactor);
    }
    if (dryRun) {
      RestorePlan plan = b.build().plan();
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(plan));
      } else {
        printPlan(out, plan, target.name());
      }
      out.flush();
      return 0;
    }
    RestoreReport r;
    try (Progress progress = Progress.spinner(spec.commandLine().getErr(), "restore of " + backup + " into " + target.name())) {
      r = b.progress(progress.counts()).build().run();
      progress.done("%,d records written".formatted(r.produced()));
    }
    if (schemaReport != null) {
      printSchemas(out, schemaReport, r);
      if (json) {
        return 0;
      }
    }
    if (json) {
      out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    } else {
      long skipped = r.partitions().stream().mapToLong(RestoreReport.PartitionRestore::skipped).sum();
      out.printf("Restored %s into %s in %.1f s: %d records written, %d already there%s%n", r.backups(), target.name(),
          r.duration().toMillis() / 1000.0, r.produced(), skipped, r.alreadyComplete() ? " (the target already held all of it)" : "");
    }
    out.flush();
    return 0;
  }

  /** The schema restore: as JSON with the topics' report (if any) beside it, or one line of text. */
  private void printSchemas(PrintWriter out, SchemaBackup.RestoreReport report, RestoreReport topics) throws Exception {
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("schemas", report);
      if (topics != null) {
        doc.put("topics", topics);
      }
      out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    } else {
      out.printf("Restored schema snapshot %s into %s (%s): %d version%s registered with their ids, %d already there%n", backup,
          region, report.target(), report.restored(), report.restored() == 1 ? "" : "s", report.outcomes().size() - report.restored());
    }
    out.flush();
  }

  private void printPlan(PrintWriter out, RestorePlan plan, String region) {
    out.printf("Dry run: would restore backup chain %s into %s%s%n", plan.backups(), region,
        plan.pointInTime() == null ? "" : ", records stamped up to " + plan.pointInTime());
    Map<String, List<RestorePlan.PartitionPlan>> byTopic = plan.partitions().stream()
        .collect(Collectors.groupingBy(RestorePlan.PartitionPlan::sourceTopic, TreeMap::new, Collectors.toList()));
    byTopic.forEach((topic, parts) -> {
      long write = parts.stream().mapToLong(RestorePlan.PartitionPlan::toWrite).sum();
      Map<RestorePlan.TargetState, Long> states = parts.stream()
          .collect(Collectors.groupingBy(RestorePlan.PartitionPlan::state, TreeMap::new, Collectors.counting()));
      String target = states.keySet().equals(Set.of(RestorePlan.TargetState.NEW_TOPIC)) ? "a new topic"
          : states.entrySet().stream().map(e -> e.getValue() + " " + describe(e.getKey())).collect(Collectors.joining(", "));
      out.printf("  %s -> %s: %d partitions, %d records to write; target: %s%n", topic, parts.get(0).targetTopic(), parts.size(),
          write, target);
      parts.stream().filter(p -> p.state() == RestorePlan.TargetState.CONFLICT || p.state() == RestorePlan.TargetState.PREFIX
          || p.state() == RestorePlan.TargetState.APPEND).forEach(p -> out.printf("    %s-%d: %s%s%n", p.targetTopic(), p.partition(),
          p.detail(), p.state() == RestorePlan.TargetState.CONFLICT ? " — REFUSED" : ""));
    });
    if (!plan.conflicts().isEmpty()) {
      out.printf("The restore would be refused: %d partition(s) hold other records. Restore under another name (--rename FROM=TO), "
          + "delete those topics, or write after what they hold (--append).%n", plan.conflicts().size());
    }
    out.println("Nothing was written. Segments are checked when the restore runs; check them now with: streamdr backups verify " + backup);
  }

  private static String describe(RestorePlan.TargetState s) {
    return switch (s) {
      case NEW_TOPIC -> "to create";
      case EMPTY -> "empty";
      case PREFIX -> "partly restored (resumed)";
      case COMPLETE -> "already complete";
      case CONFLICT -> "holding other records";
      case APPEND -> "appended to";
    };
  }
}
