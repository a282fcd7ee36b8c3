package io.streamdr.examples.cli;

import io.streamdr.core.runbook.HtmlReport;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
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
        "Flink routing, replicated by MirrorMaker 2), measure RTO and RPO against the recovery objectives, and write",
        "drill-report.json and drill-report.html. Exit code: 0 every objective met, 1 an objective missed, 2 error."})
final class DrillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--report-dir", defaultValue = "streamdr-report", description = "Where to write the reports (default ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(names = "--json", description = "Print the report as JSON instead of text.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    out.println("Starting the two-region stack (Kafka, Connect, Flink in us-east-1 and us-west-2; PostgreSQL; MirrorMaker 2)...");
    out.flush();
    List<RunbookReport> reports = new ArrayList<>();
    try (EmbeddedRegionPair stack = EmbeddedRegionPair.builder().build()) {
      Quiet.run(() -> stack.start());
      out.printf("Stack up in %.1f s%n%n== Drill: complete primary region failure%n", stack.startupTime().toMillis() / 1000.0);
      out.flush();
      RunbookReport region = new RegionFailureDrill(stack, RecoveryObjectives.seed(), line -> {
        out.println("  " + line);
        out.flush();
      }).run();
      reports.add(region);
      out.println();
      out.println(json ? region.toJson() : region.toText());
      out.flush();
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
