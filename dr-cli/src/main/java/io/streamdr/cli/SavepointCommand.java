package io.streamdr.cli;

import io.streamdr.core.internal.Json;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.cli.config.StreamDrConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Takes a savepoint of a Flink job (or lists its recovery points) through the region's Flink REST API. */
@Command(name = "savepoint", mixinStandardHelpOptions = true, header = "Take or list savepoints of a Flink job.",
    description = {"Take a savepoint of a Flink job through the region's Flink REST API (regions[].flink) and wait for it, or "
            + "list the job's completed savepoints and retained checkpoints with --list. With "
            + "regions[].confluentCloud.flink, the job is a Confluent Cloud statement and its recovery point the offsets it"
            + " has read.",
        "Exit code: 0 done, 2 error (job not found or not running, savepoint failed or timed out)."})
final class SavepointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(names = "--job", required = true, description = "The Flink job id.")
  String job;

  @Option(names = "--region", description = "Region whose Flink runs the job (default: the primary).")
  String region;

  @Option(names = "--target-dir", description = "Where to write the savepoint (default: the cluster's savepoint directory).")
  String targetDir;

  @Option(names = "--stop", description = "Cancel the job once the savepoint completed.")
  boolean stop;

  @Option(names = "--timeout", defaultValue = "10m", description = "How long to wait for the savepoint, e.g. 30s, 10m (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--list", description = "List the job's completed recovery points, newest first, instead of taking one.")
  boolean list;

  @Option(names = "--json", description = "Print the savepoint (or the list, or the dry run) as JSON, and nothing else, on standard output.")
  boolean json;

  @Option(names = "--dry-run", description = "Say what would be done (the job is looked up, nothing is triggered).")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    StreamDrConfig cfg = config.load();
    String name = cfg.regionOrPrimary(region).name();
    SavepointClient flink = cfg.savepoints(name);
    PrintWriter out = spec.commandLine().getOut();
    JobRef ref = new JobRef(job);
    if (list) {
      List<Savepoint> points = flink.list(ref);
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(points));
      } else {
        out.printf("%d recovery points of job %s in %s%n", points.size(), job, name);
        points.forEach(p -> out.printf("  %-10s %-6s %s  %s%n", p.kind(), p.id(), p.completedAt().map(Object::toString).orElse("?"),
            p.location().orElse("")));
      }
      out.flush();
      return 0;
    }
    if (dryRun) {
      List<Savepoint> points = flink.list(ref); // fails naming the job if it does not exist
      if (json) {
        java.util.Map<String, Object> plan = new java.util.LinkedHashMap<>();
        plan.put("job", job);
        plan.put("region", name);
        plan.put("targetDirectory", targetDir);
        plan.put("cancelJob", stop);
        plan.put("recoveryPoints", points.size());
        plan.put("dryRun", true);
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(plan));
        out.flush();
        return 0;
      }
      out.printf("Would take a savepoint of job %s in %s%s%s; it has %d recovery points now. Nothing was triggered.%n", job, name,
          targetDir == null ? "" : " into " + targetDir, stop ? " and then cancel the job" : "", points.size());
      out.flush();
      return 0;
    }
    SavepointOptions.Builder options = SavepointOptions.builder().cancelJob(stop);
    if (targetDir != null) {
      options.targetDirectory(targetDir);
    }
    try (Progress progress = Progress.spinner(spec.commandLine().getErr(), "savepoint of job " + job + " in " + name)) {
      Savepoint sp = flink.take(ref, options.build(), timeout);
      progress.done(sp.location().orElse(sp.id()));
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(sp));
      } else {
        out.printf("Savepoint of job %s in %s: %s%s%n", job, name, sp.location().orElse(sp.id()), stop ? " (job cancelled)" : "");
      }
    }
    out.flush();
    return 0;
  }
}
