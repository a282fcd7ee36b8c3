package io.streamdr.examples.cli;

import io.streamdr.core.runbook.HtmlReport;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.examples.drill.BrokerFailureDrill;
import io.streamdr.examples.drill.ConnectorFailureDrill;
import io.streamdr.examples.drill.FlinkJobFailureDrill;
import io.streamdr.examples.drill.PlannedFailoverDrill;
import io.streamdr.examples.config.StreamDrConfig;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.InMemoryActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.examples.drill.RegionFailureDrill;
import io.streamdr.testkit.EmbeddedRegionPair;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The main job: stands up the embedded two-region stack with CDC traffic, runs the drills for real, and writes the
 * report as JSON and HTML. Exit code 0 when every objective was met, 1 when one was missed, 2 on error.
 */
@Command(name = "drill", mixinStandardHelpOptions = true, header = "Run disaster-recovery drills and measure RTO and RPO.",
    description = {"Run disaster-recovery drills for real on the embedded two-region stack (PostgreSQL -> Debezium -> Kafka ->",
        "Flink routing, replicated by MirrorMaker 2): a connector failure, a Flink job failure, a single broker failure and",
        "a complete primary region failure, each injected for real and recovered by its runbook. Measures RTO and RPO",
        "against the recovery objectives and writes drill-report.json and drill-report.html.",
        "Exit code: 0 every objective met, 1 an objective missed, 2 error."})
final class DrillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--report-dir", defaultValue = "streamdr-report", description = "Where to write the reports (default ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(names = "--json", description = "Print only the reports, as one JSON array, on standard output (the drill's progress goes to standard error).")
  boolean json;

  /** The drills, in the order they run: the region failure last, as it stops a whole cluster. */
  enum Drill {
    connector("connector failure"), flink("Flink job failure"), broker("single broker failure"), region("complete primary region failure");

    final String title;

    Drill(String title) {
      this.title = title;
    }
  }

  @Option(names = "--only", split = ",", paramLabel = "DRILL",
      description = "Run only these drills (${COMPLETION-CANDIDATES}); default: all, in that order.")
  List<Drill> only;

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
    if (config != null) {
      return againstConfig();
    }
    PrintWriter out = human();
    List<Drill> drills = only == null || only.isEmpty() ? List.of(Drill.values()) : List.copyOf(new java.util.TreeSet<>(only));
    out.println("Starting the two-region stack (Kafka, Connect, Flink in us-east-1 and us-west-2; PostgreSQL; MirrorMaker 2)...");
    out.flush();
    List<RunbookReport> reports = new ArrayList<>();
    try (EmbeddedRegionPair stack = EmbeddedRegionPair.builder().primaryBrokers(3).build()) {
      Quiet.run(() -> stack.start());
      out.printf("Stack up in %.1f s%n", stack.startupTime().toMillis() / 1000.0);
      for (int i = 0; i < drills.size(); i++) {
        Drill drill = drills.get(i);
        out.printf("%n== Drill %d of %d: %s%n", i + 1, drills.size(), drill.title);
        out.flush();
        java.util.function.Consumer<String> progress = line -> {
          out.println("  " + line);
          out.flush();
        };
        RunbookReport report = switch (drill) {
          case connector -> new ConnectorFailureDrill(stack, RecoveryObjectives.seed(), progress).run();
          case flink -> new FlinkJobFailureDrill(stack, RecoveryObjectives.seed(), progress).run();
          case broker -> new BrokerFailureDrill(stack, RecoveryObjectives.seed(), progress).run();
          case region -> new RegionFailureDrill(stack, RecoveryObjectives.seed(), progress).run();
        };
        reports.add(report);
        out.println();
        out.println(report.toText());
        out.flush();
      }
    }
    return write(reports);
  }

  private int againstConfig() throws Exception {
    if (topics.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "With --config, name the topics to verify with --topics");
    }
    PrintWriter out = human();
    StreamDrConfig cfg = StreamDrConfig.load(config, System.getenv());
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
          RecoveryObjectives.seed(), line -> {
            out.println("  " + line);
            out.flush();
          }).run(dryRun);
      for (RunbookReport r : reports) {
        out.println();
        out.println(r.toText());
      }
      out.flush();
      return write(reports);
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

  private int write(List<RunbookReport> reports) throws Exception {
    PrintWriter out = human();
    Files.createDirectories(reportDir);
    Path jsonFile = reportDir.resolve("drill-report.json");
    String all = "[" + String.join(",\n", reports.stream().map(RunbookReport::toJson).toList()) + "]\n";
    Files.writeString(jsonFile, all);
    if (json) {
      spec.commandLine().getOut().print(all);
      spec.commandLine().getOut().flush();
    }
    Path html = reportDir.resolve("drill-report.html");
    Files.writeString(html, HtmlReport.render("StreamDR drill report", reports));
    boolean met = reports.stream().allMatch(RunbookReport::objectivesMet);
    out.printf("Reports: %s, %s%n%s%n", jsonFile.toAbsolutePath(), html.toAbsolutePath(),
        met ? "Every objective met." : "Some objectives were MISSED.");
    out.flush();
    return met ? 0 : 1;
  }
}
