package io.streamdr.examples.cli;

import io.streamdr.core.runbook.HtmlReport;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.examples.drill.BrokerFailureDrill;
import io.streamdr.examples.drill.ConnectorFailureDrill;
import io.streamdr.examples.drill.FlinkJobFailureDrill;
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
@Command(name = "drill", mixinStandardHelpOptions = true,
    description = {"Run disaster-recovery drills for real on the embedded two-region stack (PostgreSQL -> Debezium -> Kafka ->",
        "Flink routing, replicated by MirrorMaker 2): a connector failure, a Flink job failure, a single broker failure and",
        "a complete primary region failure, each injected for real and recovered by its runbook. Measures RTO and RPO",
        "against the recovery objectives and writes drill-report.json and drill-report.html.",
        "Exit code: 0 every objective met, 1 an objective missed, 2 error."})
final class DrillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--report-dir", defaultValue = "streamdr-report", description = "Where to write the reports (default ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(names = "--json", description = "Print the report as JSON instead of text.")
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

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
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
        out.println(json ? report.toJson() : report.toText());
        out.flush();
      }
    }
    Files.createDirectories(reportDir);
    Path jsonFile = reportDir.resolve("drill-report.json");
    Files.writeString(jsonFile, "[" + String.join(",\n", reports.stream().map(RunbookReport::toJson).toList()) + "]\n");
    Path html = reportDir.resolve("drill-report.html");
    Files.writeString(html, HtmlReport.render("StreamDR drill report", reports));
    boolean met = reports.stream().allMatch(RunbookReport::objectivesMet);
    out.printf("Reports: %s, %s%n%s%n", jsonFile.toAbsolutePath(), html.toAbsolutePath(),
        met ? "Every objective met." : "Some objectives were MISSED.");
    out.flush();
    return met ? 0 : 1;
  }
}
