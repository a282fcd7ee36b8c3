package io.streamdr.flink;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.DrException;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.health.HealthSignal.Status;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import io.streamdr.core.savepoint.JobRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Health of one Flink job from the REST API: its state, the failures in a sliding window (the DR guide's "more than 3
 * failures in 5 minutes", from {@code /jobs/:id/exceptions}), and the age of its last completed checkpoint.
 * FAILED when the job is not RUNNING or failed more than {@code maxFailures} times in the window; DEGRADED when it
 * is restarting, failed at all in the window, or its last checkpoint is older than {@code maxCheckpointAge}.
 */
public final class FlinkJobHealthProbe implements HealthProbe {
  private final RestClient rest;
  private final Supplier<JobRef> job;
  private final int maxFailures;
  private final Duration window;
  private final Duration maxCheckpointAge;
  private final Clock clock;

  private FlinkJobHealthProbe(RestClient rest, Supplier<JobRef> job, int maxFailures, Duration window,
      Duration maxCheckpointAge, Clock clock) {
    this.rest = rest;
    this.job = Checks.requireNonNull(job, "job");
    this.maxFailures = maxFailures;
    this.window = Checks.requirePositive(window, "window");
    this.maxCheckpointAge = Checks.requirePositive(maxCheckpointAge, "maxCheckpointAge");
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /** the DR guide's thresholds: more than 3 failures in 5 minutes; a checkpoint at least every 10 minutes. */
  public static FlinkJobHealthProbe withDefaultThresholds(RestEndpoint endpoint, Supplier<JobRef> job) {
    return builder(endpoint, job).build();
  }

  /** Failures of the job whose timestamps fall in the window ending now. */
  public int failuresInWindow() {
    Instant since = clock.instant().minus(window);
    JsonNode exceptions = rest.get("/jobs/" + job.get().id() + "/exceptions");
    int n = 0;
    for (JsonNode e : exceptions.path("exceptionHistory").path("entries")) {
      if (Instant.ofEpochMilli(e.path("timestamp").asLong()).isAfter(since)) {
        n++;
      }
    }
    return n;
  }

  @Override
  public HealthSignal probe() {
    JobRef ref = job.get();
    String component = "flink job " + ref.id();
    Instant now = clock.instant();
    try {
      RestResponse r = rest.execute(RestRequest.get("/jobs/" + ref.id()).accept(404).build());
      if (r.status() == 404) {
        return new HealthSignal(component, Status.FAILED, "Flink job %s does not exist on %s".formatted(ref, rest.baseUrl()), Map.of(), now);
      }
      String name = r.body().path("name").asText(ref.id());
      String state = r.body().path("state").asText();
      int failures = failuresInWindow();
      JsonNode completed = rest.get("/jobs/" + ref.id() + "/checkpoints").path("latest").path("completed");
      long ackMillis = completed.path("latest_ack_timestamp").asLong(0);
      Duration age = ackMillis == 0 ? null : Duration.ofMillis(Math.max(0, now.toEpochMilli() - ackMillis));
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put("failures_in_window", (double) failures);
      if (age != null) {
        metrics.put("checkpoint_age_seconds", (double) age.toSeconds());
      }
      String where = "Flink job '%s' (%s) is %s, %d failure(s) in the last %s".formatted(name, ref, state, failures, window);
      if (!"RUNNING".equals(state) && !"RESTARTING".equals(state) && !"CREATED".equals(state) && !"INITIALIZING".equals(state)) {
        return new HealthSignal(component, Status.FAILED, where + "; restore it from its latest savepoint", metrics, now);
      }
      if (failures > maxFailures) {
        return new HealthSignal(component, Status.FAILED, where + " (more than %d)".formatted(maxFailures), metrics, now);
      }
      if (!"RUNNING".equals(state) || failures > 0) {
        return new HealthSignal(component, Status.DEGRADED, where, metrics, now);
      }
      if (age != null && age.compareTo(maxCheckpointAge) > 0) {
        return new HealthSignal(component, Status.DEGRADED, where + "; last checkpoint %s ago (limit %s)".formatted(age, maxCheckpointAge), metrics, now);
      }
      return new HealthSignal(component, Status.HEALTHY, where, metrics, now);
    } catch (DrException e) {
      return new HealthSignal(component, Status.UNKNOWN, "Flink REST unreachable: " + e.getMessage(), Map.of(), now);
    }
  }

  /**
   * A probe of the job {@code job} names (asked at every probe, so it follows a restarted job), with the DR guide's
   * thresholds unless set otherwise.
   */
  public static Builder builder(RestEndpoint endpoint, Supplier<JobRef> job) {
    return new Builder(endpoint, job);
  }

  /** Builder for {@link FlinkJobHealthProbe}. */
  public static final class Builder {
    private final RestClient rest;
    private final Supplier<JobRef> job;
    private int maxFailures = 3;
    private Duration window = Duration.ofMinutes(5);
    private Duration maxCheckpointAge = Duration.ofMinutes(10);
    private Clock clock = Clock.systemUTC();

    private Builder(RestEndpoint endpoint, Supplier<JobRef> job) {
      this.rest = RestClient.of(Checks.requireNonNull(endpoint, "endpoint"));
      this.job = Checks.requireNonNull(job, "job");
    }

    /** More failures than this within the window fail the job (default 3, the DR guide's). */
    public Builder maxFailures(int failures) {
      this.maxFailures = (int) Checks.requireNonNegative(failures, "max failures");
      return this;
    }

    /** The window failures are counted in (default 5 minutes). */
    public Builder window(Duration window) {
      this.window = Checks.requirePositive(window, "window");
      return this;
    }

    /** The oldest a completed checkpoint may be (default 10 minutes). */
    public Builder maxCheckpointAge(Duration age) {
      this.maxCheckpointAge = Checks.requirePositive(age, "max checkpoint age");
      return this;
    }

    /** Dates the signals and the window (default: the system's clock). */
    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public FlinkJobHealthProbe build() {
      return new FlinkJobHealthProbe(rest, job, maxFailures, window, maxCheckpointAge, clock);
    }
  }
}
