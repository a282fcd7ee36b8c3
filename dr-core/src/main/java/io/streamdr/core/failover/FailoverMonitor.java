package io.streamdr.core.failover;

import io.streamdr.core.DrException;
import io.streamdr.core.FencedException;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a {@link FailoverPolicy} over health probes of the active region on a schedule and fails over once when
 * a breach has held for its duration. A condition that clears before its duration is a blip and is forgotten.
 * Records when the problem was detected, when the failover was decided and when the switch completed, and alerts
 * at detection and at the switch. If another router switched first ({@link FencedException}), it follows and
 * records that. Thread-safe; {@link #evaluateOnce()} can be driven directly with an injected clock.
 */
public final class FailoverMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverMonitor.class);

  /** What the monitor did when a breach held past its threshold. */
  public enum Action {
    /** It switched the router. */
    SWITCHED,
    /** Another router had switched first; this one follows it. */
    FOLLOWED,
    /** Alert-only mode: it raised a critical alert advising the failover and left the router alone. */
    ADVISED
  }

  /**
   * What the monitor did about one failover. For {@link Action#ADVISED}, {@code to} is the region advised,
   * {@code switchedAt} the time of the advice and {@code epoch} the unchanged epoch.
   */
  public record Decision(FailoverPolicy.Trigger trigger, String detail, Instant detectedAt, Instant decidedAt, Instant switchedAt,
      Region from, Region to, long epoch, Action action) {
    public Duration detectionToSwitch() {
      return Duration.between(detectedAt, switchedAt);
    }

    /** Whether this monitor switched the router itself. */
    public boolean switchedByUs() {
      return action == Action.SWITCHED;
    }
  }

  private final RegionRouter router;
  private final FailoverPolicy policy;
  private final Supplier<List<HealthProbe>> probes;
  private final Supplier<Region> target;
  private final AlertSink alerts;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final Duration interval;
  private final boolean alertOnly;
  private final Consumer<PlannedSwitch> beforeSwitch;
  private final Map<String, Instant> since = new HashMap<>();
  private Instant detectedAt;
  private Decision decision;
  private ScheduledFuture<?> scheduled;

  private FailoverMonitor(Builder b) {
    this.router = b.router;
    this.policy = b.policy;
    this.probes = b.probes;
    this.target = b.target;
    this.alerts = b.alerts;
    this.clock = b.clock;
    this.executor = b.executor;
    this.interval = b.interval;
    this.alertOnly = b.alertOnly;
    this.beforeSwitch = b.beforeSwitch;
  }

  /**
   * A switch the monitor is about to make, for {@link Builder#beforeSwitch}.
   *
   * @param from   the region active now
   * @param to     the region to switch to
   * @param epoch  the epoch the switch will make, if no other router switches first
   * @param reason the reason recorded with the switch
   */
  public record PlannedSwitch(Region from, Region to, long epoch, String reason) {}

  /**
   * @param router the router to switch
   * @param policy when to switch
   * @param probes the probes of the currently active region (a supplier, as they change with the region)
   * @param target the region to fail over to (usually the other region of the topology)
   */
  public static Builder builder(RegionRouter router, FailoverPolicy policy, Supplier<List<HealthProbe>> probes,
      Supplier<Region> target) {
    return new Builder(router, policy, probes, target);
  }

  /** Evaluates every interval on the executor. */
  public synchronized void start() {
    Checks.requireNonNull(executor, "executor (set one with Builder.executor)");
    if (scheduled == null) {
      scheduled = executor.scheduleWithFixedDelay(() -> {
        try {
          evaluateOnce();
        } catch (RuntimeException e) {
          LOG.error("Failover evaluation failed", e);
        }
      }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Probes once, applies the policy, and fails over if a breach has held long enough. Returns the decision, if any. */
  public synchronized Optional<Decision> evaluateOnce() {
    if (decision != null) {
      return Optional.of(decision);
    }
    List<HealthSignal> signals = new ArrayList<>();
    for (HealthProbe p : probes.get()) {
      signals.add(p.probe());
    }
    Instant now = clock.instant();
    List<FailoverPolicy.Breach> breaches = policy.breaches(signals);
    Map<String, FailoverPolicy.Breach> current = new LinkedHashMap<>();
    // keyed by trigger and component, not detail: an outage whose error text changes between probes is one outage
    breaches.forEach(b -> current.putIfAbsent(b.trigger() + "|" + b.component(), b));
    since.keySet().retainAll(current.keySet()); // cleared conditions were blips
    if (current.isEmpty()) {
      if (detectedAt != null) {
        LOG.info("Health of {} recovered before any threshold was reached", router.active().name());
      }
      detectedAt = null;
      return Optional.empty();
    }
    for (Map.Entry<String, FailoverPolicy.Breach> e : current.entrySet()) {
      since.putIfAbsent(e.getKey(), now);
    }
    if (detectedAt == null) {
      detectedAt = now;
      FailoverPolicy.Breach first = current.values().iterator().next();
      alerts.send(new AlertSink.Alert("WARNING", "Region %s degraded: %s".formatted(router.active().name(), first.trigger()),
          Map.of("detail", first.detail(), "region", router.active().name()), now));
    }
    for (Map.Entry<String, FailoverPolicy.Breach> e : current.entrySet()) {
      FailoverPolicy.Breach b = e.getValue();
      if (Duration.between(since.get(e.getKey()), now).compareTo(b.holdFor()) >= 0) {
        return Optional.of(failover(b, now));
      }
    }
    return Optional.empty();
  }

  private Decision failover(FailoverPolicy.Breach breach, Instant decidedAt) {
    Region from = router.active();
    Region to = target.get();
    String reason = "%s: %s (for at least %s)".formatted(breach.trigger(), breach.detail(), breach.holdFor());
    if (alertOnly) {
      decision = new Decision(breach.trigger(), breach.detail(), detectedAt, decidedAt, decidedAt, from, to, router.epoch(), Action.ADVISED);
      alerts.send(new AlertSink.Alert("CRITICAL", "Failover from %s to %s advised; run 'streamdr failover --to %s'".formatted(from.name(),
          to.name(), to.name()), Map.of("reason", reason, "epoch", String.valueOf(router.epoch()), "detectedAt", detectedAt.toString(),
          "mode", "alert"), decidedAt));
      LOG.warn("Failover {} -> {} advised, not made (alert-only): {}", from.name(), to.name(), reason);
      return decision;
    }
    boolean ours = true;
    try {
      beforeSwitch.accept(new PlannedSwitch(from, to, router.epoch() + 1, reason));
    } catch (RuntimeException e) { // the switch matters more than what is recorded before it
      LOG.error("Before the failover {} -> {}: {}", from.name(), to.name(), e.getMessage(), e);
    }
    try {
      router.failover(to, reason);
    } catch (FencedException e) {
      ours = false; // another router switched first; this one already follows it
    } catch (DrException e) {
      alerts.send(new AlertSink.Alert("CRITICAL", "Failover from %s to %s FAILED".formatted(from.name(), to.name()),
          Map.of("reason", reason, "error", e.getMessage()), clock.instant()));
      throw e;
    }
    Instant switchedAt = clock.instant();
    decision = new Decision(breach.trigger(), breach.detail(), detectedAt, decidedAt, switchedAt, from, router.active(),
        router.epoch(), ours ? Action.SWITCHED : Action.FOLLOWED);
    alerts.send(new AlertSink.Alert("CRITICAL", "Failed over from %s to %s".formatted(from.name(), router.active().name()),
        Map.of("reason", reason, "epoch", String.valueOf(router.epoch()), "detectedAt", detectedAt.toString(),
            "switchedAt", switchedAt.toString(), "byThisMonitor", String.valueOf(ours)), switchedAt));
    LOG.warn("Failover {} -> {} at epoch {} ({}): {}", from.name(), router.active().name(), router.epoch(),
        ours ? "switched by this monitor" : "another router switched first", reason);
    return decision;
  }

  /** The failover this monitor made or followed, if any. */
  public synchronized Optional<Decision> decision() {
    return Optional.ofNullable(decision);
  }

  /** Forgets the last decision, e.g. after a failback, so the monitor can fail over again. */
  public synchronized void reset() {
    decision = null;
    detectedAt = null;
    since.clear();
  }

  @Override
  public synchronized void close() {
    if (scheduled != null) {
      scheduled.cancel(false);
    }
  }

  /** Builder for {@link FailoverMonitor}. */
  public static final class Builder {
    private final RegionRouter router;
    private final FailoverPolicy policy;
    private final Supplier<List<HealthProbe>> probes;
    private final Supplier<Region> target;
    private AlertSink alerts = AlertSink.log();
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService executor;
    private Duration interval = Duration.ofSeconds(10);
    private boolean alertOnly;
    private Consumer<PlannedSwitch> beforeSwitch = planned -> { };

    private Builder(RegionRouter router, FailoverPolicy policy, Supplier<List<HealthProbe>> probes, Supplier<Region> target) {
      this.router = Checks.requireNonNull(router, "router");
      this.policy = Checks.requireNonNull(policy, "policy");
      this.probes = Checks.requireNonNull(probes, "probes");
      this.target = Checks.requireNonNull(target, "target");
    }

    public Builder alerts(AlertSink alerts) {
      this.alerts = Checks.requireNonNull(alerts, "alerts");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public Builder executor(ScheduledExecutorService executor) {
      this.executor = executor;
      return this;
    }

    /**
     * Only alert: when a breach holds past its threshold, raise a CRITICAL alert that advises the failover and names
     * the command, and leave the router alone (a person decides). The decision is recorded as {@link Action#ADVISED}.
     */
    public Builder alertOnly(boolean alertOnly) {
      this.alertOnly = alertOnly;
      return this;
    }

    /**
     * Runs just before each switch the monitor makes (not for an advised one), e.g. to record the runbook steps that
     * follow the switch so that they can be completed if the process dies right after it. A failure is logged; the
     * switch goes ahead.
     */
    public Builder beforeSwitch(Consumer<PlannedSwitch> listener) {
      this.beforeSwitch = Checks.requireNonNull(listener, "beforeSwitch listener");
      return this;
    }

    /** How often to evaluate (default 10 s). */
    public Builder interval(Duration interval) {
      this.interval = Checks.requirePositive(interval, "interval");
      return this;
    }

    public FailoverMonitor build() {
      return new FailoverMonitor(this);
    }
  }
}
