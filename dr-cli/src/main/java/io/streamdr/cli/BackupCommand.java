package io.streamdr.cli;

import io.streamdr.core.internal.Json;
import io.streamdr.core.region.Region;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.schema.SchemaBackup;
import io.streamdr.kafka.schema.SchemaSnapshot;
import java.util.LinkedHashMap;
import java.util.Map;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "backup", mixinStandardHelpOptions = true, header = "Back up topics of a region, full or incremental, and its schemas.",
    description = {"Back up topics of a region's Kafka cluster to the configured backup directory: a full backup, or an "
            + "incremental one continuing a parent. With --schemas, also (or only) a snapshot of the region's Schema Registry "
            + "under the same id: every subject and version with its schema id, so that a restore keeps the ids records carry.",
        "Exit code: 0 done, 2 error."})
final class BackupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(names = "--region", description = "Region to back up (default: the primary).")
  String region;

  @Option(names = "--topics", split = ",", description = "Topics to back up, comma-separated.")
  List<String> topics = List.of();

  @Option(names = "--pattern", description = "Also every topic matching this regular expression.")
  String pattern;

  @Option(names = "--groups", split = ",", description = "Consumer groups whose committed offsets to store.")
  List<String> groups = List.of();

  @Option(names = "--id", description = "Backup id (default: a timestamp). Run the same id again to resume an interrupted backup.")
  String id;

  @Option(names = "--incremental-from", paramLabel = "PARENT", description = "Back up only what was written since backup PARENT.")
  String parent;

  @Option(names = "--schemas", description = "Also snapshot the region's Schema Registry (regions[].schemaRegistry) under the backup id; alone, only that.")
  boolean schemas;

  @Option(names = "--json", description = "Print the manifest as JSON, and nothing else, on standard output (with --schemas: {\"backup\": manifest, \"schemas\": snapshot}).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    boolean topicBackup = !topics.isEmpty() || pattern != null;
    if (!topicBackup && !schemas) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Name the topics to back up with --topics or --pattern (or back up the schemas with --schemas)");
    }
    StreamDrConfig cfg = config.load();
    Region source = cfg.regionOrPrimary(region);
    if (!topicBackup) {
      if (parent != null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--incremental-from applies to topics; a schema snapshot is always whole");
      }
      return schemaSnapshot(cfg, source, id != null ? id
          : java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC)
              .format(java.time.Instant.now()) + "-schemas", null, false);
    }
    TopicBackup.Builder b = TopicBackup.builder(source.kafkaClientConfig(), cfg.backups()).topics(topics).groups(groups);
    if (pattern != null) {
      b.topicPattern(Pattern.compile(pattern));
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean existed = id != null && cfg.backups().exists(BackupManifest.key(id));
    BackupManifest m;
    try (Progress progress = Progress.spinner(spec.commandLine().getErr(), "backup of "
        + (pattern == null ? topics : topics + " and /" + pattern + "/") + " from " + source.name())) {
      TopicBackup backup = b.progress(progress.counts()).build();
      m = parent != null ? backup.incremental(id != null ? id : parent + "-incr-" + System.currentTimeMillis(), parent)
          : id != null ? backup.full(id) : backup.full();
      progress.done("%,d records".formatted(m.records()));
    }
    if (schemas) {
      return schemaSnapshot(cfg, source, m.id(), m, existed);
    }
    if (json) {
      out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(m));
    } else {
      out.printf("Backup %s (%s) of %s%s: %d records in %d topic%s, %d bytes stored%n", m.id(), m.type(), source.name(),
          existed ? " was already complete, nothing was backed up again" : "", m.records(), m.topics().size(),
          m.topics().size() == 1 ? "" : "s", m.bytes());
      m.topics().forEach(t -> out.printf("  %s: %d partitions, %d records%n", t.name(), t.partitions().size(),
          t.partitions().stream().mapToLong(BackupManifest.PartitionEntry::records).sum()));
    }
    out.flush();
    return 0;
  }

  /** Snapshots the region's registry as {@code snapshotId}; prints it, after the topic backup's manifest if there is one. */
  private int schemaSnapshot(StreamDrConfig cfg, Region source, String snapshotId, BackupManifest manifest, boolean existed)
      throws Exception {
    boolean taken = cfg.backups().exists(SchemaBackup.key(snapshotId));
    SchemaSnapshot snapshot = taken ? SchemaBackup.read(cfg.backups(), snapshotId)
        : SchemaBackup.of(cfg.schemaRegistry(source.name()), cfg.backups()).take(snapshotId);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      if (manifest != null) {
        doc.put("backup", manifest);
      }
      doc.put("schemas", Map.of("id", snapshot.id(), "source", snapshot.source(), "createdAt", snapshot.createdAt().toString(),
          "subjects", snapshot.subjects().size(), "versions", snapshot.versions()));
      out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    } else {
      if (manifest != null) {
        out.printf("Backup %s (%s) of %s%s: %d records in %d topic%s, %d bytes stored%n", manifest.id(), manifest.type(), source.name(),
            existed ? " was already complete, nothing was backed up again" : "", manifest.records(), manifest.topics().size(), manifest.topics().size() == 1 ? "" : "s", manifest.bytes());
      }
      out.printf("Schema snapshot %s of %s (%s)%s: %d subject%s, %d version%s with their ids%n", snapshot.id(), source.name(),
          snapshot.source(), taken ? " was already taken, nothing was taken again" : "", snapshot.subjects().size(), snapshot.subjects().size() == 1 ? "" : "s", snapshot.versions(),
          snapshot.versions() == 1 ? "" : "s");
    }
    out.flush();
    return 0;
  }
}
