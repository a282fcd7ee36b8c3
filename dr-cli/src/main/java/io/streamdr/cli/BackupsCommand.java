package io.streamdr.cli;

import io.streamdr.core.internal.Json;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.ContinuousBackup;
import io.streamdr.kafka.backup.RetentionPolicy;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "backups", mixinStandardHelpOptions = true, header = "List, verify and prune the topic backups.",
    description = "List, verify and prune the backups in the configured backup directory.",
    subcommands = {BackupsCommand.ListBackups.class, BackupsCommand.VerifyBackup.class, BackupsCommand.Prune.class})
final class BackupsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true, header = "List the backups, oldest first.", description = {"List the backups, oldest first, and any whose manifest is damaged.",
      "Exit code: 0, 1 a manifest is damaged, 2 error."})
  static final class ListBackups implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--json", description = "Print the manifests as JSON, and nothing else, on standard output.")
    boolean json;

    @Option(names = "--checkpoints", description = "List every checkpoint of continuous backups, not one line per continuous backup.")
    boolean checkpoints;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      BackupCatalog.Listing listing = new BackupCatalog(config.load().backups()).listAll();
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(listing.damaged().isEmpty()
            ? listing.backups() : java.util.Map.of("backups", listing.backups(), "damaged", listing.damaged())));
      } else {
        out.printf("%-40s %-11s %-40s %12s %14s  %s%n", "ID", "TYPE", "PARENT", "RECORDS", "BYTES", "COMPLETED");
        Map<String, List<BackupManifest>> continuous = new TreeMap<>();
        for (BackupManifest m : listing.backups()) {
          if (!checkpoints && ContinuousBackup.isCheckpoint(m.id())) {
            continuous.computeIfAbsent(ContinuousBackup.nameOf(m.id()), k -> new ArrayList<>()).add(m);
            continue;
          }
          out.printf("%-40s %-11s %-40s %12d %14d  %s%n", m.id(), m.type(), m.parentId().orElse("-"), m.records(), m.bytes(),
              m.completedAt());
        }
        continuous.forEach((name, list) -> {
          BackupManifest newest = list.get(list.size() - 1);
          out.printf("%-40s %-11s %-40s %12d %14d  %s%n", name, "CONTINUOUS", list.size() + " checkpoint(s), newest:", newest.records(),
              newest.bytes(), newest.completedAt());
          out.printf("%-40s %-11s %s%n", "", "", "restore with --backup " + name + " [--point-in-time T], or one of them by id: "
              + list.get(0).id() + " … " + newest.id() + " (backups list --checkpoints)");
        });
        for (BackupCatalog.Damaged d : listing.damaged()) {
          out.printf("%-40s DAMAGED     %s%n", d.backupId(), d.problem());
        }
      }
      out.flush();
      return listing.damaged().isEmpty() ? 0 : 1;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, header = "Check a backup and its whole chain without restoring it.",
      description = {"Check a backup and every backup it continues, without restoring: each manifest (present, unchanged), every"
              + " segment's SHA-256 and every frame's CRC.",
          "Exit code: 0 intact, 1 damaged, 2 error."})
  static final class VerifyBackup implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Parameters(paramLabel = "BACKUP", description = "The backup id.")
    String id;

    @Option(names = "--json", description = "Print the report as JSON, and nothing else, on standard output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      BackupCatalog.VerifyReport r = new BackupCatalog(config.load().backups()).verify(id);
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        out.flush();
        return r.ok() ? 0 : 1;
      }
      out.printf("Backup %s: %s (chain %s; %d segments, %d records checked)%n", id, r.ok() ? "intact" : "DAMAGED", r.chain(),
          r.segmentsChecked(), r.recordsChecked());
      r.problems().forEach(p -> out.println("  " + p));
      out.flush();
      return r.ok() ? 0 : 1;
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double v = bytes;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return "%.1f %s".formatted(v, units[u]);
  }

  @Command(name = "prune", mixinStandardHelpOptions = true, header = "Delete backups past their retention.",
      description = {"Delete backups past their retention (incrementals 30 days, fulls 1 year), never a full backup that a kept "
              + "incremental depends on.",
          "Thin the checkpoints of continuous backups (the sink connector's): every one for a day, the first of each hour for a week, "
              + "of each day for 30 days, the newest always; then delete the segments no kept checkpoint lists.",
          "Exit code: 0, 2 error."})
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--dry-run", description = "Say what would be deleted, delete nothing.")
    boolean dryRun;

    @Option(names = "--now", paramLabel = "INSTANT", description = "Judge ages as of this instant (default: now).")
    Instant now;

    @Option(names = "--json", description = "Print what was deleted and kept as JSON, and nothing else, on standard output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      BackupCatalog.PruneResult r = new BackupCatalog(config.load().backups())
          .prune(RetentionPolicy.defaults(), now == null ? Instant.now() : now, dryRun);
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        out.flush();
        return 0;
      }
      out.printf("%s %d backup(s): %s; kept %d: %s%n", dryRun ? "Dry run: would delete" : "Deleted", r.deleted().size(),
          r.deleted(), r.kept().size(), r.kept());
      for (ContinuousBackup.PruneResult c : r.continuous()) {
        out.printf("Continuous backup %s: %s %d checkpoint(s), kept %d (every one for a day, hourly for a week, daily for 30 days); "
            + "%s %d segment(s) no kept checkpoint lists, %s%n", c.backup(), dryRun ? "would delete" : "deleted", c.deleted().size(),
            c.kept().size(), dryRun ? "would delete" : "deleted", c.segmentsDeleted(), human(c.bytesFreed()));
      }
      if (!dryRun) {
        out.printf("Removed %d temporary file(s) of killed backups, %s freed%n", r.abandoned().objects(), human(r.abandoned().bytes()));
      }
      out.flush();
      return 0;
    }
  }

}
