package io.streamdr.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.streamdr.core.failover.AlertSink;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.runbook.RunbookReport;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opt-in Micrometer instrumentation of StreamDR's core parts. Nothing is recorded unless an application creates one
 * with its {@link MeterRegistry}; micrometer-core is an optional dependency, needed only then.
 *
 * <p>Names follow Micrometer's conventions (dotted, lower case; Prometheus shows {@code streamdr.probe.status} as
 * {@code streamdr_probe_status}). Tags take only bounded values: region, probe and job names from the configuration,
 * failover triggers, alert severities, objectives. Never keys, offsets or ids.
 *
 * <pre>{@code
 * StreamDrMeters meters = new StreamDrMeters(registry);
 * meters.router(router, topology);
 * HealthProbe primary = meters.probe("primary-kafka", KafkaHealthProbe.builder(...).build());
 * FailoverMonitor monitor = FailoverMonitor.builder(router, policy, () -> List.of(primary), target)
 *     .alerts(meters.alerts(AlertSink.log())).build();
 * }</pre>
 */
public final class StreamDrMeters {
  /** {@code streamdr.probe.status}: 0 healthy, 1 degraded, 2 failed, 3 unknown (the {@link HealthSignal.Status} order). */
  public static final String PROBE_STATUS = "streamdr.probe.status";
  /** {@code streamdr.probe.<metric>}: each number a probe reports ({@code streamdr.probe.consumer_lag} and so on). */
  public static final String PROBE_PREFIX = "streamdr.probe.";
  public static final String ACTIVE_REGION = "streamdr.region.active";
  public static final String EPOCH = "streamdr.region.epoch";
  public static final String SWITCHES = "streamdr.region.switches";
  public static final String FAILOVER_DECISIONS = "streamdr.failover.decisions";
  public static final String DETECTION_TO_SWITCH = "streamdr.failover.detection.to.switch";
  public static final String ALERTS = "streamdr.alerts";
  public static final String DRILL_RTO = "streamdr.drill.rto";
  public static final String DRILL_RPO = "streamdr.drill.rpo";
  public static final String DRILL_RPO_RECORDS = "streamdr.drill.rpo.records";
  public static final String DRILL_OBJECTIVE_MET = "streamdr.drill.objective.met";
  public static final String DRILL_LAST_RUN = "streamdr.drill.last.run";

  private final MeterRegistry registry;
  private final Map<String, AtomicReference<HealthSignal>> probes = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> values = new ConcurrentHashMap<>(); // the bits of each gauge's double

  public StreamDrMeters(MeterRegistry registry) {
    this.registry = Checks.requireNonNull(registry, "registry");
  }

  /** The registry meters are recorded in. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The probe, recording every signal it returns: its status under {@value #PROBE_STATUS} and each of its numbers under
   * {@value #PROBE_PREFIX}{@code <metric>}, tagged {@code probe=name}. Until the first signal the status is 3 (unknown).
   */
  public HealthProbe probe(String name, HealthProbe probe) {
    Checks.requireNonBlank(name, "probe name");
    Checks.requireNonNull(probe, "probe");
    AtomicReference<HealthSignal> last = probes.computeIfAbsent(name, n -> {
      AtomicReference<HealthSignal> ref = new AtomicReference<>();
      Gauge.builder(PROBE_STATUS, ref, r -> r.get() == null ? HealthSignal.Status.UNKNOWN.ordinal() : r.get().status().ordinal())
          .tag("probe", n).description("0 healthy, 1 degraded, 2 failed, 3 unknown").register(registry);
      return ref;
    });
    return () -> {
      HealthSignal s = probe.probe();
      last.set(s);
      s.metrics().forEach((metric, value) -> value(PROBE_PREFIX + metric, Tags.of("probe", name), value));
      return s;
    };
  }

  /** The last signal of a probe wrapped by {@link #probe}, if it reported one. */
  public Optional<HealthSignal> lastSignal(String probe) {
    return Optional.ofNullable(probes.get(probe)).map(AtomicReference::get);
  }

  /** Every probe wrapped by {@link #probe} with its last signal (absent until it reported). */
  public Map<String, Optional<HealthSignal>> lastSignals() {
    Map<String, Optional<HealthSignal>> out = new TreeMap<>();
    probes.forEach((n, r) -> out.put(n, Optional.ofNullable(r.get())));
    return out;
  }

  /**
   * The router's state: {@value #ACTIVE_REGION} (1 for the active region, 0 for the others, tagged {@code region}),
   * {@value #EPOCH} and the counter {@value #SWITCHES} (tagged {@code to}).
   */
  public void router(RegionRouter router, RegionTopology topology) {
    for (Region r : topology.regions()) {
      Gauge.builder(ACTIVE_REGION, router, x -> x.active().name().equals(r.name()) ? 1 : 0).tag("region", r.name())
          .description("1 for the region clients use now").register(registry);
    }
    Gauge.builder(EPOCH, router, RegionRouter::epoch).description("fencing epoch of the active region").register(registry);
    router.onSwitch(s -> Counter.builder(SWITCHES).tag("to", s.to().name()).register(registry).increment());
  }

  /** Counts one failover decision under {@value #FAILOVER_DECISIONS} (tagged {@code trigger} and {@code action}: switched, followed or advised) and times its detection to switch. */
  public void failoverDecision(FailoverMonitor.Decision d) {
    Counter.builder(FAILOVER_DECISIONS).tag("trigger", d.trigger().toString()).tag("action", d.action().name().toLowerCase(Locale.ROOT))
        .register(registry).increment();
    Timer.builder(DETECTION_TO_SWITCH).register(registry).record(d.detectionToSwitch());
  }

  /** An alert sink that counts each alert under {@value #ALERTS} (tagged {@code severity}) and passes it on. */
  public AlertSink alerts(AlertSink delegate) {
    Checks.requireNonNull(delegate, "alert sink");
    return a -> {
      Counter.builder(ALERTS).tag("severity", a.severity()).register(registry).increment();
      delegate.send(a);
    };
  }

  /**
   * A drill's outcome, tagged {@code drill}: its RTO ({@value #DRILL_RTO}, seconds), RPO ({@value #DRILL_RPO}, seconds,
   * and {@value #DRILL_RPO_RECORDS}), each objective met or not ({@value #DRILL_OBJECTIVE_MET}, 1 or 0, also tagged
   * {@code objective}) and when it finished ({@value #DRILL_LAST_RUN}, epoch seconds). The newest report wins.
   */
  public void drill(String drill, RunbookReport report) {
    Tags tags = Tags.of("drill", drill);
    value(DRILL_RTO, tags, seconds(report.rto()));
    value(DRILL_RPO, tags, seconds(report.rpo()));
    value(DRILL_RPO_RECORDS, tags, report.rpoRecords());
    value(DRILL_LAST_RUN, tags, report.finishedAt().getEpochSecond());
    for (RunbookReport.ObjectiveResult o : report.objectiveResults()) {
      value(DRILL_OBJECTIVE_MET, tags.and("objective", o.objective()), o.met() ? 1 : 0);
    }
  }

  /**
   * A progress listener for a long operation that sets {@code streamdr.progress.records}, {@code .total.records},
   * {@code .bytes} and {@code .partitions.done}, tagged {@code operation} and {@code set} (a bounded name, such as the
   * agent's job): what a dashboard shows of a backup while it runs.
   */
  public ProgressListener progress(String operation, String set) {
    Tags tags = Tags.of("operation", operation, "set", set);
    return p -> {
      value(PROGRESS_RECORDS, tags, p.records());
      value(PROGRESS_TOTAL_RECORDS, tags, p.totalRecords());
      value(PROGRESS_BYTES, tags, p.bytes());
      value(PROGRESS_PARTITIONS_DONE, tags, p.partitionsDone());
    };
  }

  public static final String PROGRESS_RECORDS = "streamdr.progress.records";
  public static final String PROGRESS_TOTAL_RECORDS = "streamdr.progress.total.records";
  public static final String PROGRESS_BYTES = "streamdr.progress.bytes";
  public static final String PROGRESS_PARTITIONS_DONE = "streamdr.progress.partitions.done";

  /** Sets a gauge that holds the last value given to it. */
  public void value(String name, Tags tags, double value) {
    String id = name + tags;
    values.computeIfAbsent(id, k -> {
      AtomicLong bits = new AtomicLong(Double.doubleToLongBits(Double.NaN));
      Gauge.builder(name, bits, b -> Double.longBitsToDouble(b.get())).tags(tags).register(registry);
      return bits;
    }).set(Double.doubleToLongBits(value));
  }

  /** Seconds, with millisecond precision, as Prometheus expects durations. */
  public static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  /** Seconds since the epoch. */
  public static double epochSeconds(Instant t) {
    return t.toEpochMilli() / 1000.0;
  }
}
