package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Json;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.kafka.pipeline.PipelineCheckpoint;
import io.streamdr.kafka.pipeline.PipelineCheckpointer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Captures pipeline checkpoints of a region into the configured backups, once or on a schedule. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true, header = "Checkpoint a region's pipeline for a takeover.",
    description = {"Capture what another region needs to take this region's CDC pipeline over, into the configured backups "
            + "(pipeline/<region>/<instant>.json): every connector of the region's Connect cluster (configuration, secrets "
            + "redacted unless --keep-secrets, state and committed offsets), the newest completed recovery point of --job, "
            + "the committed offsets of --groups, and a snapshot of the region's Schema Registry (regions[].schemaRegistry, "
            + "unless --no-schemas; schemas/pipeline-REGION-INSTANT/, kept only when the registry changed). With --every, keep capturing until stopped (Ctrl-C or SIGTERM end it "
            + "after the capture under way). 'streamdr connectors restore --from-checkpoint REGION' starts the connectors "
            + "elsewhere.",
        "Exit code: 0 captured, 2 error."})
final class CheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(names = "--region", description = "Region whose pipeline to capture (default: the primary).")
  String region;

  @Option(names = "--groups", split = ",", description = "Consumer groups whose committed offsets to keep.")
  List<String> groups = List.of();

  @Option(names = "--job", description = "Flink job (or Confluent Cloud statement) whose newest recovery point to keep.")
  String job;

  @Option(names = "--no-connectors", description = "Leave the connectors out (a region without a Connect cluster).")
  boolean noConnectors;

  @Option(names = "--no-schemas", description = "Leave the Schema Registry out (taken by default where the region has a schemaRegistry).")
  boolean noSchemas;

  @Option(names = "--keep-secrets", description = "Keep secret-looking connector settings in the checkpoint (default: redacted).")
  boolean keepSecrets;

  @Option(names = "--every", description = "Capture on this interval until stopped, e.g. 30s, 5m.")
  Duration every;

  @Option(names = "--json", description = "Print the checkpoint as JSON, and nothing else, on standard output (one capture only).")
  boolean json;

  /** What one capture held, for people. */
  static String describe(PipelineCheckpoint c) {
    return "%d connector(s), %s, %d group(s)%s".formatted(c.connectors().size(),
        c.job().map(j -> "recovery point " + j.id() + " of job " + j.job()).orElse("no job recovery point"), c.groups().size(),
        c.schemas().map(id -> ", schema snapshot " + id).orElse(""));
  }

  @Override
  public Integer call() throws Exception {
    if (json && every != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--json prints one checkpoint; leave out --every");
    }
    StreamDrConfig cfg = config.load();
    String name = cfg.regionOrPrimary(region).name();
    PipelineCheckpointer.Builder b = PipelineCheckpointer.builder(cfg.backups(), name).keepSecrets(keepSecrets);
    if (!noConnectors) {
      b.connectors(cfg.connectors(name));
    }
    if (job != null) {
      b.job(cfg.savepoints(name), () -> new JobRef(job));
    }
    if (!groups.isEmpty()) {
      b.groups(cfg.clusters().get(name), groups);
    }
    String registry = null;
    if (!noSchemas && cfg.region(name).schemaRegistryUrl().isPresent()) {
      b.schemas(cfg.schemaRegistry(name));
      registry = cfg.schemaRegistry(name).baseUrl();
    }
    PipelineCheckpointer checkpointer = b.build();
    PrintWriter out = spec.commandLine().getOut();
    if (every == null) {
      PipelineCheckpoint c;
      try {
        c = checkpointer.capture();
      } catch (OperationFailedException e) {
        if (registry == null || !e.resourceType().equals(Optional.of(ResourceType.ENDPOINT)) || !e.resourceName().equals(Optional.of(registry))) {
          throw e;
        }
        throw new OperationFailedException(ResourceType.ENDPOINT, registry, e.getMessage() + " ('streamdr checkpoint --region " + name
            + " --no-schemas')", e, e.retryable());
      }
      if (json) {
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(c));
      } else {
        out.printf("Checkpoint of %s at %s: %s, in %s%n", name, c.takenAt(), describe(c), PipelineCheckpointer.prefix(name));
      }
      out.flush();
      return 0;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(stop::countDown, "streamdr-checkpoint-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf("Checkpointing %s every %s into %s until stopped%n", name, every, PipelineCheckpointer.prefix(name));
    out.flush();
    try (AutoCloseable schedule = checkpointer.every(every)) {
      stop.await();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
    return 0;
  }
}
