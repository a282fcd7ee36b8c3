package io.streamdr.cli;

import io.streamdr.connect.ConnectorSnapshots;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.internal.Json;
import io.streamdr.cli.config.StreamDrConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Connector snapshots (configuration, state, committed offsets) through the region's Kafka Connect REST API. */
@Command(name = "connectors", mixinStandardHelpOptions = true, header = "Back up, list and restore Kafka Connect connectors.",
    description = "Back up and restore the connectors of a region's Kafka Connect cluster (regions[].connect) or Confluent Cloud"
        + " cluster (regions[].confluentCloud.connect).",
    subcommands = {ConnectorsCommand.Backup.class, ConnectorsCommand.Restore.class, ConnectorsCommand.ListSnapshots.class})
final class ConnectorsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "backup", mixinStandardHelpOptions = true, header = "Snapshot the connectors of a region with their offsets.",
      description = {"Snapshot every connector of a region: configuration (secrets redacted unless --keep-secrets), state and "
              + "committed offsets, into the configured backups.",
          "Exit code: 0 done, 2 error."})
  static final class Backup implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--region", description = "Region whose Connect cluster to back up (default: the primary).")
    String region;

    @Option(names = "--id", description = "Snapshot id (default: a timestamp).")
    String id;

    @Option(names = "--stop-first", description = "Stop each connector while its offsets are read, so they are exact (resumed after).")
    boolean stopFirst;

    @Option(names = "--keep-secrets", description = "Keep secret-looking settings in the snapshot (default: redacted).")
    boolean keepSecrets;

    @Option(names = "--json", description = "Print the snapshot as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      StreamDrConfig cfg = config.load();
      String name = cfg.regionOrPrimary(region).name();
      ConnectorSnapshots snapshots = ConnectorSnapshots.builder(cfg.connectors(name), cfg.backups(), name).stopFirst(stopFirst)
          .keepSecrets(keepSecrets).build();
      PrintWriter out = spec.commandLine().getOut();
      ConnectorSnapshot snapshot;
      try (Progress progress = Progress.spinner(spec.commandLine().getErr(), "connector snapshot of " + name)) {
        snapshot = id == null ? snapshots.take() : snapshots.take(id);
        progress.done(snapshot.connectors().size() + " connectors");
      }
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(snapshot));
      } else {
        out.printf("Connector snapshot %s of %s: %d connectors%n", snapshot.id(), name, snapshot.connectors().size());
        snapshot.connectors().forEach(e -> out.printf("  %s: %s, %d offset partition(s)%s%n", e.name(), e.state(),
            e.offsets().offsets().size(), e.redactedKeys().isEmpty() ? "" : ", redacted " + e.redactedKeys()));
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true, header = "Restore a connector snapshot into a region.",
      description = {"Restore the connectors of a snapshot into a region's Connect cluster: each is created STOPPED, its offsets"
              + " set, then resumed if it was running. Redacted settings must be supplied with --secret KEY=ENV_VAR.",
          "Exit code: 0 every connector restored, 1 one failed, 2 error."})
  static final class Restore implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SNAPSHOT", description = "The snapshot id (or --from-checkpoint).")
    String snapshotId;

    @Option(names = "--from-checkpoint", paramLabel = "REGION",
        description = "Instead of a snapshot, the newest pipeline checkpoint of REGION ('streamdr checkpoint'): the takeover of its connectors.")
    String fromCheckpoint;

    @Mixin TakeoverOptions takeover;

    @Option(names = "--region", required = true, description = "Region whose Connect cluster to restore into.")
    String region;

    @Option(names = "--dry-run", description = "Say what would be restored; change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the outcome (or the dry run's plan) per connector as JSON, and nothing else, on standard output.")
    boolean json;

    /** What a dry run would do to one connector, as --json prints it: created STOPPED, offsets set, then this state. */
    record Planned(String connector, int offsetPartitions, String then, List<String> needsSecrets) {}

    @Override
    public Integer call() throws Exception {
      if ((snapshotId == null) == (fromCheckpoint == null)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "Name a snapshot (streamdr connectors list) or --from-checkpoint REGION, not both");
      }
      takeover.check(spec);
      StreamDrConfig cfg = config.load();
      String name = cfg.region(region).name();
      ConnectorSnapshot snapshot = snapshotId != null ? ConnectorSnapshots.read(cfg.backups(), snapshotId) : Takeover.fromCheckpoint(cfg, fromCheckpoint);
      PrintWriter out = spec.commandLine().getOut();
      if (!dryRun) {
        snapshot = takeover.align(snapshot, json ? null : out);
      }
      List<ConnectorSnapshot.Entry> chosen = takeover.chosen(snapshot);
      if (dryRun && json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(chosen.stream().map(e -> new Planned(e.name(),
            e.offsets().offsets().size(), e.state().name(), List.copyOf(e.redactedKeys()))).toList()));
        out.flush();
        return 0;
      }
      if (dryRun) {
        out.printf("Would restore %d connectors of snapshot %s (from %s) into %s:%n", chosen.size(), snapshot.id(), snapshot.source(), name);
        takeover.describe(chosen, out);
        out.flush();
        return 0;
      }
      List<ConnectorSnapshots.Outcome> outcomes = takeover.restore(cfg, snapshot, name, spec.commandLine().getErr());
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(outcomes));
      } else {
        TakeoverOptions.print(outcomes, out);
      }
      out.flush();
      return outcomes.stream().allMatch(ConnectorSnapshots.Outcome::restored) ? 0 : 1;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, header = "List the connector snapshots.", description = "List the connector snapshots in the configured backups.")
  static final class ListSnapshots implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--json", description = "Print the snapshots as JSON, and nothing else, on standard output.")
    boolean json;

    /** One snapshot, as --json prints it. */
    record Listed(String id, java.time.Instant written, long bytes) {}

    @Override
    public Integer call() throws Exception {
      StreamDrConfig cfg = config.load();
      PrintWriter out = spec.commandLine().getOut();
      List<BackupObject> snapshots = cfg.backups().list("connectors/").stream()
          .filter(o -> o.key().value().endsWith("/snapshot.json")).toList();
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(snapshots.stream()
            .map(o -> new Listed(o.key().value().split("/")[1], o.lastModified(), o.size())).toList()));
      } else {
        out.printf("%d connector snapshots%n", snapshots.size());
        snapshots.forEach(o -> out.printf("  %s  %s  %d bytes%n", o.key().value().split("/")[1], o.lastModified(), o.size()));
      }
      out.flush();
      return 0;
    }
  }
}
