package io.streamdr.examples.cli;

import io.streamdr.core.internal.Json;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.RetentionPolicy;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "backups", mixinStandardHelpOptions = true,
    description = "List, verify and prune the backups in the configured backup directory.",
    subcommands = {BackupsCommand.ListBackups.class, BackupsCommand.VerifyBackup.class, BackupsCommand.Prune.class})
final class BackupsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the backups, oldest first. Exit code: 0, 2 error.")
  static final class ListBackups implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--json", description = "Print the manifests as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      var backups = new BackupCatalog(config.load().backups()).list();
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(backups));
      } else {
        out.printf("%-40s %-11s %-40s %12s %14s  %s%n", "ID", "TYPE", "PARENT", "RECORDS", "BYTES", "COMPLETED");
        for (BackupManifest m : backups) {
          out.printf("%-40s %-11s %-40s %12d %14d  %s%n", m.id(), m.type(), m.parentId().orElse("-"), m.records(), m.bytes(),
              m.completedAt());
        }
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Re-read every segment of a backup and check every checksum, without restoring.",
          "Exit code: 0 intact, 1 damaged, 2 error."})
  static final class VerifyBackup implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Parameters(paramLabel = "BACKUP", description = "The backup id.")
    String id;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      BackupCatalog.VerifyReport r = new BackupCatalog(config.load().backups()).verify(id);
      out.printf("Backup %s: %s (%d segments, %d records checked)%n", id, r.ok() ? "intact" : "DAMAGED", r.segmentsChecked(),
          r.recordsChecked());
      r.problems().forEach(p -> out.println("  " + p));
      out.flush();
      return r.ok() ? 0 : 1;
    }
  }

  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = {"Delete backups past their retention (incrementals 30 days, fulls 1 year), never a full backup that a",
          "kept incremental depends on. Exit code: 0, 2 error."})
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--dry-run", description = "Say what would be deleted, delete nothing.")
    boolean dryRun;

    @Option(names = "--now", paramLabel = "INSTANT", description = "Judge ages as of this instant (default: now).")
    Instant now;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      BackupCatalog.PruneResult r = new BackupCatalog(config.load().backups())
          .prune(RetentionPolicy.seed(), now == null ? Instant.now() : now, dryRun);
      out.printf("%s %d backup(s): %s; kept %d: %s%n", dryRun ? "Dry run: would delete" : "Deleted", r.deleted().size(),
          r.deleted(), r.kept().size(), r.kept());
      out.flush();
      return 0;
    }
  }

}
