package io.streamdr.examples.drill;

import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.runbook.Phase;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbook;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.runbook.Runbooks;
import io.streamdr.core.runbook.Step;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.flink.FlinkJobHealthProbe;
import io.streamdr.flink.FlinkRestSavepointClient;
import io.streamdr.testkit.EmbeddedFlink;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.RoutingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Flink job failure, for real: with CDC traffic flowing, the routing job is cancelled without a savepoint, so only its
 * retained checkpoints remain. A {@link FlinkJobHealthProbe} detects it; {@link Runbooks#flinkJobFailure} restores the
 * job from its newest checkpoint through the Flink REST API (jar upload and run); the drill then checks that every
 * change event was routed exactly once: none skipped, none routed twice (the events between the restored checkpoint
 * and the failure are replayed by the source and recognised by the routing job's sink, whose state was restored).
 */
public final class FlinkJobFailureDrill {
  private final EmbeddedRegionPair stack;
  private final RecoveryObjectives objectives;
  private final Consumer<String> progress;

  public FlinkJobFailureDrill(EmbeddedRegionPair stack, RecoveryObjectives objectives, Consumer<String> progress) {
    this.stack = stack;
    this.objectives = objectives;
    this.progress = progress;
  }

  public RunbookReport run() throws Exception {
    Map<String, Object> kafka = stack.primary().kafka().clientConfig();
    RestEndpoint rest = RestEndpoint.of(stack.primary().flink().restUrl().toString());
    FlinkRestSavepointClient flink = new FlinkRestSavepointClient(rest);
    AtomicReference<JobRef> job = new AtomicReference<>(new JobRef(stack.routingJob().toHexString()));
    FlinkJobHealthProbe health = FlinkJobHealthProbe.withDefaultThresholds(rest, job::get);
    List<String> filtered = RoutingJob.TYPES.stream().map(RoutingJob::filteredTopic).toList();
    Path jarDir = Files.createTempDirectory("streamdr-routing-jar");
    AtomicReference<DrillSupport.Capture> raw = new AtomicReference<>();
    AtomicReference<DrillSupport.Capture> routed = new AtomicReference<>();
    long[] routedAtFailure = new long[1];
    try (CdcTraffic traffic = new CdcTraffic(stack, 20)) {
      DrillSupport.await("a completed checkpoint of the routing job", Duration.ofSeconds(60),
          () -> flink.list(job.get()).stream().anyMatch(s -> s.completed() && s.location().isPresent()));
      progress.accept("steady state: " + health.probe().detail());

      routedAtFailure[0] = filtered.stream().mapToLong(t -> DrillSupport.countOrZero(kafka, t)).sum();
      Instant injected = Instant.now();
      progress.accept("inject: cancelling routing job " + job.get().id() + " without a savepoint (the job is lost)");
      flink.cancel(job.get());
      DrillSupport.await("routing job reported FAILED", Duration.ofSeconds(60), () -> health.probe().status() == HealthSignal.Status.FAILED);
      Instant detected = Instant.now();
      progress.accept("  detected after " + Duration.between(injected, detected).toMillis() + " ms: " + health.probe().detail());

      JobSpec spec = JobSpec.builder("routing").jarFile(EmbeddedFlink.writeRoutingJobJar(jarDir)).entryClass(RoutingJob.class.getName())
          .arguments(routingArguments()).build();
      Runbook runbook = Runbooks.flinkJobFailure(flink, job, spec, health, Duration.ofMinutes(2)).progress(progress);
      runbook.step(Step.of("every change event routed once", Phase.VERIFICATION, () -> {
        traffic.close();
        DrillSupport.await("every routed event in " + filtered, Duration.ofSeconds(90), () -> {
          raw.set(DrillSupport.capture(stack, List.of(RoutingJob.SOURCE_TOPIC)));
          routed.set(DrillSupport.capture(stack, filtered));
          return raw.get().lost() == 0 && routed.get().lost() == 0;
        });
        if (routed.get().duplicates() > 0) {
          throw new IllegalStateException("the restored job routed events twice: " + routed.get().describe("the filtered topics"));
        }
        return routed.get().describe("the filtered topics") + " (" + routedAtFailure[0] + " had been routed before the failure)";
      }).deadline(Duration.ofMinutes(2)));
      RunbookReport report = runbook.run(objectives);
      return report.withPhase(Phase.DETECTION, Duration.between(injected, detected))
          .withNote("injected: routing job %s cancelled without a savepoint at %s with CDC traffic flowing (%d rows inserted so far)"
              .formatted(stack.routingJob(), injected, traffic.inserted()))
          .withNote("restored job: " + job.get().id())
          .withNote(routed.get() == null ? "routing not verified" : "routing: " + routed.get().describe("the filtered topics"));
    } finally {
      Files.deleteIfExists(jarDir.resolve("routing-job.jar"));
      Files.deleteIfExists(jarDir);
    }
  }

  /** The routing job's arguments: bootstrap servers, source topic and, with Schema Registries, the one its events decode against. */
  private List<String> routingArguments() {
    List<String> args = new java.util.ArrayList<>(List.of(stack.primary().kafka().bootstrapServers(), RoutingJob.SOURCE_TOPIC));
    stack.primary().registry().ifPresent(r -> args.add(r.url().toString()));
    return args;
  }
}
