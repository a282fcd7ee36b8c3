package io.streamdr.core.runbook;

import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.core.http.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a failover (or failback) between two regions involves, for {@link Runbooks#manualFailover},
 * {@link Runbooks#automatedFailover} and {@link Runbooks#failback}: the router to switch, the region to switch to,
 * how to tell that region is healthy, and, each optional, how to verify the data, how to read replication lag, and
 * the Flink job and connectors to start in the region switched to. Immutable; build with {@link #builder}.
 *
 * <pre>{@code
 * FailoverPlan plan = FailoverPlan.builder(router, topology.region("us-west-2"))
 *     .health(westKafkaProbe)
 *     .replicationLag(mirrorMakerProbe)
 *     .verify(verifier, () -> VerificationRequest.builder("us-east-1", "us-west-2").topics("orders").build())
 *     .flinkJob(westSavepoints, routingJobSpec, () -> latestReplicatedSavepoint(), westJob::set)
 *     .connectors(westConnect, List.of("pg-orders"))
 *     .build();
 * RunbookReport report = Runbooks.manualFailover(plan, "us-east-1 lost").run(RecoveryObjectives.defaults());
 * }</pre>
 */
public final class FailoverPlan {
  final RegionRouter router;
  final Region to;
  final List<HealthProbe> health;
  final HealthProbe replicationLag;
  final IntegrityVerifier verifier;
  final Supplier<VerificationRequest> request;
  final SavepointClient savepoints;
  final JobSpec jobSpec;
  final Supplier<Optional<Savepoint>> recoveryPoint;
  final Consumer<JobRef> startedJob;
  final ConnectorAdmin connect;
  final List<String> connectors;
  final Duration timeout;
  final Clock clock;
  final Sleeper sleeper;

  private FailoverPlan(Builder b) {
    this.router = b.router;
    this.to = b.to;
    this.health = List.copyOf(b.health);
    this.replicationLag = b.replicationLag;
    this.verifier = b.verifier;
    this.request = b.request;
    this.savepoints = b.savepoints;
    this.jobSpec = b.jobSpec;
    this.recoveryPoint = b.recoveryPoint;
    this.startedJob = b.startedJob;
    this.connect = b.connect;
    this.connectors = List.copyOf(b.connectors);
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
  }

  /**
   * @param router the router whose active region the plan switches
   * @param to     the region to switch to
   */
  public static Builder builder(RegionRouter router, Region to) {
    return new Builder(router, to);
  }

  /** The region the plan switches to. */
  public Region to() {
    return to;
  }

  /** Builds a {@link FailoverPlan}. */
  public static final class Builder {
    private final RegionRouter router;
    private final Region to;
    private final List<HealthProbe> health = new ArrayList<>();
    private HealthProbe replicationLag;
    private IntegrityVerifier verifier;
    private Supplier<VerificationRequest> request;
    private SavepointClient savepoints;
    private JobSpec jobSpec;
    private Supplier<Optional<Savepoint>> recoveryPoint;
    private Consumer<JobRef> startedJob;
    private ConnectorAdmin connect;
    private final List<String> connectors = new ArrayList<>();
    private Duration timeout = Duration.ofMinutes(5);
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;

    private Builder(RegionRouter router, Region to) {
      this.router = Checks.requireNonNull(router, "router");
      this.to = Checks.requireNonNull(to, "region to switch to");
    }

    /** Probes that must all be HEALTHY in the region switched to before the switch (Kafka, Connect, Flink…). */
    public Builder health(HealthProbe... probes) {
      for (HealthProbe p : probes) {
        health.add(Checks.requireNonNull(p, "health probe"));
      }
      return this;
    }

    /** Replication lag into the region switched to; its metrics and verdict are reported, a FAILED lag stops. */
    public Builder replicationLag(HealthProbe probe) {
      this.replicationLag = Checks.requireNonNull(probe, "replication lag probe");
      return this;
    }

    /**
     * Verifies the data replicated to the region switched to. Leave out when the region switched away from cannot be
     * read (an outage): verify after it returns instead.
     */
    public Builder verify(IntegrityVerifier verifier, Supplier<VerificationRequest> request) {
      this.verifier = Checks.requireNonNull(verifier, "verifier");
      this.request = Checks.requireNonNull(request, "verification request");
      return this;
    }

    /**
     * The Flink job to start in the region switched to, from the recovery point {@code from} supplies (empty: start
     * without state). {@code started} is told the job it started (for example {@code startedJob::set}).
     */
    public Builder flinkJob(SavepointClient savepoints, JobSpec spec, Supplier<Optional<Savepoint>> from,
        Consumer<JobRef> started) {
      this.savepoints = Checks.requireNonNull(savepoints, "savepoint client");
      this.jobSpec = Checks.requireNonNull(spec, "job spec");
      this.recoveryPoint = Checks.requireNonNull(from, "recovery point");
      this.startedJob = Checks.requireNonNull(started, "started job");
      return this;
    }

    /** Connectors deployed (stopped or paused) in the region switched to, resumed after the switch. */
    public Builder connectors(ConnectorAdmin admin, List<String> names) {
      this.connect = Checks.requireNonNull(admin, "connector admin");
      connectors.addAll(names);
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    /** The clock the plan's waits are timed by and how they pause between looks (default: the system's). */
    public Builder clock(Clock clock, Sleeper sleeper) {
      this.clock = Checks.requireNonNull(clock, "clock");
      this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
      return this;
    }

    public FailoverPlan build() {
      return new FailoverPlan(this);
    }
  }
}
