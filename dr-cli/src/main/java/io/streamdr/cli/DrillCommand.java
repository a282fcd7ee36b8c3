package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.runbook.HtmlReport;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job: stands up the embedded two-region stack with CDC traffic, runs the drills for real, and writes the
 * report as JSON and HTML. Exit code 0 when every objective was met, 1 when one was missed, 2 on error.
 */
@Command(name = "drill", mixinStandardHelpOptions = true, header = "Run disaster-recovery drills and measure RTO and RPO.",
    description = {"Run disaster-recovery drills for real on the embedded two-region stack (PostgreSQL -> Debezium -> Kafka -> "
            + "Flink routing, replicated by MirrorMaker 2): a connector failure, a Flink job failure, a single broker "
            + "failure and a complete primary region failure, each injected for real and recovered by its runbook. Measures"
            + " RTO and RPO against the recovery objectives and writes drill-report.json and drill-report.html.",
        "Exit code: 0 every objective met, 1 an objective missed, 2 error."})
final class DrillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--report-dir", defaultValue = "streamdr-report", description = "Where to write the reports (default ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(names = "--json", description = "Print only the reports, as one JSON array, on standard output (the drill's progress goes to standard error).")
  boolean json;

  @Option(names = "--only", split = ",", paramLabel = "DRILL",
      description = "Run only these drills (${COMPLETION-CANDIDATES}); default: all, in that order.")
  List<EmbeddedStack.Drill> only;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Instead of the embedded stack, run a planned failover drill against the clusters of this configuration:"
          + " switch to the secondary with the manual failover runbook, verify --topics, fail back. The switches are real.")
  Path config;

  @Option(names = "--topics", split = ",", description = "With --config: the primary's topics to verify in the secondary.")
  List<String> topics = List.of();

  @Option(names = "--dry-run", description = "With --config: say what each step would do; change nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    EmbeddedStack stack = config == null ? EmbeddedStack.require("drill") : null;
    Files.createDirectories(reportDir);
    // on the embedded stack the components' errors are the failures the drills inject: to the log file only
    Optional<DrillLog> log = DrillLog.open(reportDir.resolve("drill.log"), config == null);
    try {
      if (config != null) {
        return againstConfig(log);
      }
      List<EmbeddedStack.Drill> drills = only == null || only.isEmpty() ? List.of(EmbeddedStack.Drill.values())
          : List.copyOf(new java.util.TreeSet<>(only));
      List<RunbookReport> reports = stack.runDrills(drills, human());
      return write(reports, log);
    } finally {
      log.ifPresent(DrillLog::close);
    }
  }

  private int againstConfig(Optional<DrillLog> log) throws Exception {
    if (topics.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "With --config, name the topics to verify with --topics");
    }
    PrintWriter out = human();
    StreamDrConfig cfg = StreamDrConfig.load(config, Environment.get());
    ActiveRegionStore store = cfg.activeRegionStore();
    try {
      String primary = cfg.topology().primary();
      // a dry run switches nothing: its router records in memory, starting where the real store is
      DefaultRegionRouter router = new DefaultRegionRouter(cfg.topology(), dryRun ? new InMemoryActiveRegionStore() : store);
      String recorded = store.read().map(ActiveRegion::region).orElse(primary);
      if (!recorded.equals(primary)) {
        throw new IllegalStateException("the active region is " + recorded + ", not the primary " + primary
            + "; a planned failover drill starts from the primary (run 'streamdr failback' first)");
      }
      out.printf("== Planned failover drill: %s -> %s -> %s%s%n", primary, cfg.topology().secondaryRegion().name(), primary,
          dryRun ? " (dry run)" : "");
      out.flush();
      List<RunbookReport> reports = new PlannedFailoverDrill(cfg.topology(), router, cfg.clusters(), topics, cfg.naming(primary),
          RecoveryObjectives.defaults(), line -> {
            out.println("  " + line);
            out.flush();
          }).run(dryRun);
      for (RunbookReport r : reports) {
        out.println();
        out.println(r.toText());
      }
      out.flush();
      return write(reports, log);
    } finally {
      if (store instanceof AutoCloseable c) {
        c.close();
      }
    }
  }

  /** Where text for people goes: standard output, or standard error when standard output carries the JSON. */
  private PrintWriter human() {
    return json ? spec.commandLine().getErr() : spec.commandLine().getOut();
  }

  private int write(List<RunbookReport> reports, Optional<DrillLog> log) throws Exception {
    PrintWriter out = human();
    Path jsonFile = reportDir.resolve("drill-report.json");
    String all = "[" + String.join(",\n", reports.stream().map(RunbookReport::toJson).toList()) + "]\n";
    Files.writeString(jsonFile, all);
    if (json) {
      spec.commandLine().getOut().print(all);
      spec.commandLine().getOut().flush();
    }
    Path html = reportDir.resolve("drill-report.html");
    List<String> notes = log.map(l -> List.of("Full log (StreamDR at INFO, every component's warnings and errors, the injected"
        + " failures' stack traces): " + l.file().toAbsolutePath())).orElse(List.of());
    Files.writeString(html, HtmlReport.render("StreamDR drill report", reports, notes));
    boolean met = reports.stream().allMatch(RunbookReport::objectivesMet);
    out.printf("Reports: %s, %s%n", jsonFile.toAbsolutePath(), html.toAbsolutePath());
    log.ifPresent(l -> out.printf("Full log: %s%n", l.file().toAbsolutePath()));
    out.println(met ? "Every objective met." : "Some objectives were MISSED.");
    out.flush();
    return met ? 0 : 1;
  }
}
