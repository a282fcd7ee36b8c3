package io.streamdr.flink;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.SavepointFailedException;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointHandle;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.core.savepoint.SavepointState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SavepointClient} over the REST API of a self-managed Flink cluster (1.18 to 2.x).
 *
 * <ul>
 *   <li>{@link #trigger} posts {@code /jobs/:id/savepoints} with our own {@code triggerId}, so a retried trigger
 *       never takes a second savepoint (Flink de-duplicates trigger ids).</li>
 *   <li>{@link #await} polls {@code /jobs/:id/savepoints/:triggerId}; a COMPLETED operation carrying a
 *       {@code failure-cause} is a failure. It never falls back to an older checkpoint.</li>
 *   <li>{@link #stopWithSavepoint} posts {@code /jobs/:id/stop} (note Flink's camelCase {@code targetDirectory}).</li>
 *   <li>{@link #list} merges the savepoints this client completed with Flink's checkpoint history.</li>
 *   <li>{@link #restore} runs a jar ({@code /jars/:jarId/run}, uploading {@link JobSpec#jarFile()} first if given)
 *       with {@code savepointPath}, {@code allowNonRestoredState} and the restore mode.</li>
 *   <li>{@link #dispose} deletes a savepoint through {@code /savepoint-disposal}.</li>
 * </ul>
 * Thread-safe; calls block with the endpoint's deadline, waits with the caller's.
 */
public final class FlinkRestSavepointClient implements SavepointClient {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkRestSavepointClient.class);
  private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");
  private final RestClient rest;
  private final Sleeper sleeper;
  private final Clock clock;
  private final Map<JobRef, Map<String, Savepoint>> completed = new ConcurrentHashMap<>();
  private final Map<String, Instant> triggeredAt = new ConcurrentHashMap<>();
  /** Triggers that end the job (cancel-job, stop): await returns once the job is terminal. */
  private final Set<String> ending = ConcurrentHashMap.newKeySet();

  public FlinkRestSavepointClient(RestEndpoint endpoint) {
    this(endpoint, Sleeper.SYSTEM);
  }

  /** With a sleeper for the waits between status polls. */
  public FlinkRestSavepointClient(RestEndpoint endpoint, Sleeper sleeper) {
    this(endpoint, sleeper, Clock.systemUTC());
  }

  /** With a sleeper for the waits between status polls, and the clock that dates triggers and completions. */
  public FlinkRestSavepointClient(RestEndpoint endpoint, Sleeper sleeper, Clock clock) {
    this.rest = RestClient.of(Checks.requireNonNull(endpoint, "endpoint"));
    this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  private static String jobPath(JobRef job) {
    return "/jobs/" + Checks.requireNonNull(job, "job").id();
  }

  private NotFoundException jobNotFound(JobRef job) {
    return new NotFoundException(ResourceType.JOB, job.id(),
        "Flink job %s not found on %s; list jobs with GET /jobs/overview".formatted(job, rest.baseUrl()));
  }

  /** The job's state as Flink reports it (RUNNING, CANCELED, FINISHED, FAILED, RESTARTING…). */
  public String state(JobRef job) {
    RestResponse r = rest.execute(RestRequest.get(jobPath(job)).accept(404).build());
    if (r.status() == 404) {
      throw jobNotFound(job);
    }
    return r.body().path("state").asText();
  }

  private void requireRunning(JobRef job) {
    RestResponse r = rest.execute(RestRequest.get(jobPath(job)).accept(404).build());
    if (r.status() == 404) {
      throw jobNotFound(job);
    }
    String state = r.body().path("state").asText();
    if (!"RUNNING".equals(state)) {
      throw new ConflictException(ResourceType.JOB, job.id(),
          "Flink job %s is %s, not RUNNING; a savepoint needs a running job — restore it first".formatted(job, state));
    }
    long running = 0;
    long total = 0;
    for (JsonNode v : r.body().path("vertices")) {
      total++;
      if ("RUNNING".equals(v.path("status").asText())) {
        running++;
      }
    }
    if (running < total) {
      throw new ConflictException(ResourceType.JOB, job.id(),
          "Flink job %s is RUNNING but only %d of its %d tasks are; trigger the savepoint once all run (awaitRunning)"
              .formatted(job, running, total));
    }
  }

  /** Waits until the job and all its tasks are RUNNING, e.g. after a submit or restore. */
  public void awaitRunning(JobRef job, Duration timeout) {
    long deadline = System.nanoTime() + Checks.requirePositive(timeout, "timeout").toNanos();
    Duration pause = Duration.ofMillis(50);
    while (true) {
      try {
        requireRunning(job);
        return;
      } catch (ConflictException e) {
        String state = state(job);
        if (!"RUNNING".equals(state) && !"CREATED".equals(state) && !"INITIALIZING".equals(state) && !"RESTARTING".equals(state)) {
          throw e;
        }
        if (System.nanoTime() > deadline) {
          throw new DrTimeoutException(ResourceType.JOB, job.id(), timeout, "Flink job %s not fully running within %s: %s".formatted(job, timeout, e.getMessage()));
        }
      }
      pause(pause);
      pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : pause.multipliedBy(2);
    }
  }

  private static String triggerId(SavepointOptions options) {
    String id = options.triggerId();
    if (!HEX32.matcher(id).matches()) {
      throw new InvalidRequestException(ResourceType.SAVEPOINT_TRIGGER, id,
          "Trigger id '%s' is not 32 lowercase hex characters, the format Flink accepts".formatted(id));
    }
    return id;
  }

  @Override
  public SavepointHandle trigger(JobRef job, SavepointOptions options) {
    Checks.requireNonNull(options, "options");
    String triggerId = triggerId(options);
    if (!triggeredAt.containsKey(triggerId)) {
      requireRunning(job);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    options.targetDirectory().ifPresent(d -> body.put("target-directory", d));
    body.put("cancel-job", options.cancelJob());
    body.put("formatType", options.format().name());
    body.put("triggerId", triggerId);
    post(job, jobPath(job) + "/savepoints", body);
    triggeredAt.putIfAbsent(triggerId, clock.instant());
    if (options.cancelJob()) {
      ending.add(triggerId);
    }
    LOG.info("Triggered savepoint {} of Flink job {}{}", triggerId, job, options.cancelJob() ? " (cancel after)" : "");
    return new SavepointHandle(job, triggerId);
  }

  /**
   * Stops the job with a savepoint ({@code POST /jobs/:id/stop}); {@code drain} first flushes all event-time
   * windows (emitting MAX_WATERMARK) — use it only for a final stop, not for a restart.
   */
  public SavepointHandle stopWithSavepoint(JobRef job, SavepointOptions options, boolean drain) {
    String triggerId = triggerId(options);
    requireRunning(job);
    Map<String, Object> body = new LinkedHashMap<>();
    options.targetDirectory().ifPresent(d -> body.put("targetDirectory", d));
    body.put("drain", drain);
    body.put("formatType", options.format().name());
    body.put("triggerId", triggerId);
    post(job, jobPath(job) + "/stop", body);
    triggeredAt.putIfAbsent(triggerId, clock.instant());
    ending.add(triggerId);
    return new SavepointHandle(job, triggerId);
  }

  private void post(JobRef job, String path, Map<String, Object> body) {
    RestResponse r = rest.execute(RestRequest.post(path).json(body).idempotent(true).accept(404).build());
    if (r.status() == 404) {
      throw jobNotFound(job);
    }
  }

  @Override
  public Savepoint await(SavepointHandle handle, Duration timeout) {
    Checks.requireNonNull(handle, "handle");
    Checks.requirePositive(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration pause = Duration.ofMillis(100);
    String path = jobPath(handle.job()) + "/savepoints/" + handle.triggerId();
    while (true) {
      RestResponse r = rest.execute(RestRequest.get(path).accept(404, 400).build());
      if (r.status() == 404 || r.status() == 400) {
        throw new NotFoundException(ResourceType.SAVEPOINT, handle.triggerId(),
            "No savepoint operation %s for Flink job %s on %s; trigger one first".formatted(handle.triggerId(), handle.job(), rest.baseUrl()));
      }
      JsonNode body = r.body();
      if ("COMPLETED".equals(body.path("status").path("id").asText())) {
        JsonNode op = body.path("operation");
        if (op.has("failure-cause")) {
          String cause = failureCause(op.path("failure-cause"));
          LOG.warn("Savepoint {} of Flink job {} failed: {}", handle.triggerId(), handle.job(), cause);
          throw new SavepointFailedException(handle.job(), handle.triggerId(), cause);
        }
        Savepoint sp = new Savepoint(handle.job(), handle.triggerId(), Savepoint.Kind.SAVEPOINT, SavepointState.COMPLETED,
            Optional.of(op.path("location").asText()), Optional.empty(),
            triggeredAt.getOrDefault(handle.triggerId(), clock.instant()), Optional.of(clock.instant()));
        completed.computeIfAbsent(handle.job(), j -> new ConcurrentHashMap<>()).put(sp.id(), sp);
        if (ending.contains(handle.triggerId())) {
          awaitTerminal(handle.job(), deadline, timeout);
        }
        return sp;
      }
      if (System.nanoTime() > deadline) {
        throw new DrTimeoutException(ResourceType.SAVEPOINT, handle.triggerId(), timeout,
            "Savepoint %s of Flink job %s still IN_PROGRESS after %s; await again or check checkpoint alignment and backpressure"
                .formatted(handle.triggerId(), handle.job(), timeout));
      }
      pause(pause);
      pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : pause.multipliedBy(2);
    }
  }

  private void awaitTerminal(JobRef job, long deadline, Duration timeout) {
    while (true) {
      String state = state(job);
      if ("CANCELED".equals(state) || "FINISHED".equals(state) || "FAILED".equals(state)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new DrTimeoutException(ResourceType.JOB, job.id(), timeout,
            "Savepoint of Flink job %s completed but the job is still %s after %s".formatted(job, state, timeout));
      }
      pause(Duration.ofMillis(100));
    }
  }

  private static String failureCause(JsonNode cause) {
    String trace = cause.path("stack-trace").asText(cause.path("class").asText("unknown"));
    // the first line names the exception; the root cause is the last "Caused by"
    String first = trace.lines().findFirst().orElse(trace);
    String root = trace.lines().filter(l -> l.startsWith("Caused by:")).reduce((a, b) -> b).orElse("");
    return root.isEmpty() ? first : first + " / " + root;
  }

  private void pause(Duration d) {
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      throw new DrInterruptedException("waiting on " + rest.baseUrl(), e);
    }
  }

  @Override
  public List<Savepoint> list(JobRef job) {
    RestResponse r = rest.execute(RestRequest.get(jobPath(job) + "/checkpoints").accept(404).build());
    if (r.status() == 404) {
      throw jobNotFound(job);
    }
    List<Savepoint> out = new ArrayList<>(completed.getOrDefault(job, Map.of()).values());
    Set<String> known = new HashSet<>();
    out.forEach(s -> s.location().ifPresent(known::add));
    for (JsonNode h : r.body().path("history")) {
      String location = h.path("external_path").asText("");
      // a subsumed checkpoint is deleted ("discarded"); a savepoint is the user's and stays, even when reported discarded
      boolean deleted = h.path("discarded").asBoolean(false) && !h.path("is_savepoint").asBoolean(false);
      if (!"COMPLETED".equals(h.path("status").asText()) || deleted || location.isEmpty() || location.equals("<checkpoint-not-externally-addressable>")
          || known.contains(location)) {
        continue;
      }
      out.add(new Savepoint(job, h.path("id").asText(), h.path("is_savepoint").asBoolean() ? Savepoint.Kind.SAVEPOINT
          : Savepoint.Kind.CHECKPOINT, SavepointState.COMPLETED, Optional.of(location), Optional.empty(),
          Instant.ofEpochMilli(h.path("trigger_timestamp").asLong()), Optional.of(Instant.ofEpochMilli(h.path("latest_ack_timestamp").asLong()))));
    }
    out.sort(Comparator.comparing((Savepoint s) -> s.completedAt().orElse(Instant.EPOCH)).reversed());
    return out;
  }

  @Override
  public JobRef restore(JobSpec spec, Savepoint from) {
    Checks.requireNonNull(spec, "spec");
    Checks.requireNonNull(from, "savepoint");
    if (!from.completed() || from.location().isEmpty()) {
      throw new ConflictException(ResourceType.SAVEPOINT, from.id(),
          "Savepoint %s is %s; restore only from a completed savepoint with a location".formatted(from.id(), from.state()));
    }
    if (from.kind() == Savepoint.Kind.OFFSETS) {
      throw new InvalidRequestException(ResourceType.SAVEPOINT, from.id(),
          "Savepoint %s holds Confluent Cloud offsets, not Flink state; restore it with ConfluentCloudStatementClient".formatted(from.id()));
    }
    JobRef job = run(spec, from.location().get());
    LOG.info("Restored job '{}' as {} from {}", spec.name(), job, from.location().get());
    return job;
  }

  /**
   * Starts a job without state ({@code POST /jars/:id/run}, uploading {@link JobSpec#jarFile()} first if it names no
   * jar id): what a region taking over runs when its job rebuilds its state from the topics it reads.
   */
  public JobRef start(JobSpec spec) {
    JobRef job = run(Checks.requireNonNull(spec, "spec"), null);
    LOG.info("Started job '{}' as {}", spec.name(), job);
    return job;
  }

  private JobRef run(JobSpec spec, String savepointPath) {
    String jarId = spec.jarId().orElseGet(() -> upload(spec.jarFile().orElseThrow(() -> new InvalidRequestException(ResourceType.JOB, spec.name(),
        "JobSpec '%s' names neither a jar id nor a jar file; set jarId(...) or jarFile(...)".formatted(spec.name())))));
    Map<String, Object> body = new LinkedHashMap<>();
    spec.entryClass().ifPresent(c -> body.put("entryClass", c));
    body.put("programArgsList", spec.arguments());
    spec.parallelism().ifPresent(p -> body.put("parallelism", p));
    if (savepointPath != null) {
      body.put("savepointPath", savepointPath);
      body.put("allowNonRestoredState", spec.allowNonRestoredState());
      body.put("restoreMode", spec.restoreMode().name());
    }
    RestResponse r = rest.execute(RestRequest.post("/jars/" + jarId + "/run").json(body).accept(404).build());
    if (r.status() == 404) {
      throw new NotFoundException(ResourceType.JAR, jarId, "Jar %s is not uploaded to %s; upload it or set JobSpec.jarFile".formatted(jarId, rest.baseUrl()));
    }
    return new JobRef(r.body().path("jobid").asText());
  }

  /** Uploads a jar ({@code POST /jars/upload}) and returns its id. */
  public String upload(Path jar) {
    RequestBody file = RequestBody.create(jar.toFile(), MediaType.get("application/x-java-archive"));
    JsonNode body = rest.execute(RestRequest.post("/jars/upload").body(new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("jarfile", jar.getFileName().toString(), file).build()).build()).body();
    if (!"success".equals(body.path("status").asText())) {
      throw new RemoteServiceException("POST", rest.baseUrl() + "/jars/upload", 200, body.toString(),
          "Upload of %s to %s did not succeed: %s".formatted(jar.getFileName(), rest.baseUrl(), body), null, false);
    }
    return Path.of(body.path("filename").asText()).getFileName().toString();
  }

  /** Cancels a job ({@code PATCH /jobs/:id?mode=cancel}). */
  public void cancel(JobRef job) {
    RestResponse r = rest.execute(RestRequest.patch(jobPath(job)).query("mode", "cancel").idempotent(true).accept(404).build());
    if (r.status() == 404) {
      throw jobNotFound(job);
    }
  }

  /** Deletes a savepoint's files ({@code POST /savepoint-disposal}) and waits until Flink reports it done. */
  public void dispose(String location, Duration timeout) {
    Checks.requireNonBlank(location, "savepoint location");
    String id = rest.execute(RestRequest.post("/savepoint-disposal").json(Map.of("savepoint-path", location))
        .idempotent(true).build()).body().path("request-id").asText();
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration pause = Duration.ofMillis(100);
    while (true) {
      JsonNode status = rest.get("/savepoint-disposal/" + id);
      if ("COMPLETED".equals(status.path("status").path("id").asText())) {
        JsonNode cause = status.path("operation").path("failure-cause");
        if (!cause.isMissingNode() && !cause.isNull()) {
          throw new RemoteServiceException("POST", rest.baseUrl() + "/savepoint-disposal", 200, "",
              "Disposal of savepoint %s failed: %s".formatted(location, failureCause(cause)), null, false);
        }
        completed.values().forEach(m -> m.values().removeIf(s -> s.location().equals(Optional.of(location))));
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new DrTimeoutException(ResourceType.SAVEPOINT, location, timeout, "Disposal of savepoint %s not done after %s".formatted(location, timeout));
      }
      pause(pause);
      pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : pause.multipliedBy(2);
    }
  }

  @Override
  public String toString() {
    return "FlinkRestSavepointClient[" + rest.baseUrl() + "]";
  }
}
