package io.streamdr.cli;

import io.streamdr.core.internal.Json;
import io.streamdr.core.region.Region;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "backup", mixinStandardHelpOptions = true, header = "Back up topics of a region, full or incremental.",
    description = {"Back up topics of a region's Kafka cluster to the configured backup directory: a full backup, or an "
            + "incremental one continuing a parent.",
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

  @Option(names = "--json", description = "Print the manifest as JSON, and nothing else, on standard output.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (topics.isEmpty() && pattern == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Name the topics to back up with --topics or --pattern");
    }
    StreamDrConfig cfg = config.load();
    Region source = cfg.regionOrPrimary(region);
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

}
