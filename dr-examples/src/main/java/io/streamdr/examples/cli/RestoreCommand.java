package io.streamdr.examples.cli;

import io.streamdr.core.internal.Json;
import io.streamdr.core.region.Region;
import io.streamdr.examples.config.StreamDrConfig;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.RestoreReport;
import io.streamdr.kafka.backup.TopicRestore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restore a backup (its chain of full and incremental backups) into a region's Kafka cluster, with the",
        "same partitions and timestamps, without duplicates (a restore run again, or resumed, writes nothing twice).",
        "Exit code: 0 done, 2 error."})
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(names = "--backup", required = true, description = "The backup to restore (with the chain it belongs to).")
  String backup;

  @Option(names = "--region", required = true, description = "Region whose cluster to restore into.")
  String region;

  @Option(names = "--rename", paramLabel = "FROM=TO", description = "Restore topic FROM as TO (repeatable).")
  Map<String, String> renames = Map.of();

  @Option(names = "--point-in-time", paramLabel = "INSTANT", description = "Restore only records stamped up to this instant (ISO-8601, e.g. 2026-11-24T05:30:00Z).")
  Instant pointInTime;

  @Option(names = "--parallelism", paramLabel = "N", description = "Partitions produced at once (default 8; 1 produces one partition after another).")
  Integer parallelism;

  @Option(names = "--dry-run", description = "Say what would be restored, write nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    StreamDrConfig cfg = config.load();
    Region target = cfg.region(region);
    PrintWriter out = spec.commandLine().getOut();
    List<BackupManifest> chain = TopicRestore.chain(cfg.backups(), backup);
    if (dryRun) {
      BackupManifest last = chain.get(chain.size() - 1);
      out.printf("Dry run: would restore backup chain %s into %s%n", chain.stream().map(BackupManifest::id).toList(), target.name());
      last.topics().forEach(t -> out.printf("  %s -> %s: %d partitions, up to %d records%s%n", t.name(),
          renames.getOrDefault(t.name(), t.name()), t.partitions().size(),
          chain.stream().mapToLong(m -> m.topic(t.name()).map(x -> x.partitions().stream()
              .mapToLong(BackupManifest.PartitionEntry::records).sum()).orElse(0L)).sum(),
          pointInTime == null ? "" : " (those stamped up to " + pointInTime + ")"));
      out.println("Nothing was written.");
      out.flush();
      return 0;
    }
    TopicRestore.Builder b = TopicRestore.builder(cfg.backups(), target.kafkaClientConfig(), backup);
    renames.forEach(b::rename);
    if (pointInTime != null) {
      b.pointInTime(pointInTime);
    }
    if (parallelism != null) {
      b.parallelism(parallelism);
    }
    out.printf("Restoring %s into %s...%n", backup, target.name());
    out.flush();
    RestoreReport r;
    try (Progress progress = Progress.spinner(spec.commandLine().getErr(), "restore of " + backup + " into " + target.name())) {
      r = b.build().run();
      progress.done(r.partitions().stream().mapToLong(RestoreReport.PartitionRestore::produced).sum() + " records written");
    }
    if (json) {
      out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    } else {
      long produced = r.partitions().stream().mapToLong(RestoreReport.PartitionRestore::produced).sum();
      long skipped = r.partitions().stream().mapToLong(RestoreReport.PartitionRestore::skipped).sum();
      out.printf("Restored %s into %s in %.1f s: %d records written, %d already there%s%n", r.backups(), target.name(),
          r.duration().toMillis() / 1000.0, produced, skipped, r.alreadyComplete() ? " (the restore was already complete)" : "");
    }
    out.flush();
    return 0;
  }
}
