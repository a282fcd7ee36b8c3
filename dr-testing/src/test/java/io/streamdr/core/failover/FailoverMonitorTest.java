package io.streamdr.core.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.fake.InMemoryRegionRouter;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FailoverMonitorTest {
  private static final Region EAST = Region.of("us-east-1", "east:9092");
  private static final Region WEST = Region.of("us-west-2", "west:9092");
  private final MutableClock clock = new MutableClock();
  private final InMemoryRegionRouter router = new InMemoryRegionRouter(RegionTopology.of(EAST, WEST), clock);
  private final AtomicReference<Map<String, Double>> metrics = new AtomicReference<>(Map.of(Metrics.KAFKA_REACHABLE, 1.0));
  private final List<AlertSink.Alert> alerts = new CopyOnWriteArrayList<>();
  private final HealthProbe kafka = () -> new HealthSignal("kafka us-east-1", HealthSignal.Status.HEALTHY, "probe", metrics.get(), clock.instant());

  private FailoverMonitor monitor(FailoverPolicy policy) {
    return FailoverMonitor.builder(router, policy, () -> List.of(kafka), () -> WEST).clock(clock).alerts(alerts::add).build();
  }

  @Test
  void the_dr_guide_policy_fails_over_after_two_minutes_unreachable_and_only_once() {
    FailoverMonitor m = monitor(FailoverPolicy.defaults());
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 0.0));
    assertThat(m.evaluateOnce()).isEmpty();
    clock.advance(Duration.ofSeconds(119));
    assertThat(m.evaluateOnce()).isEmpty();
    assertThat(router.active()).isEqualTo(EAST);
    clock.advance(Duration.ofSeconds(1));
    FailoverMonitor.Decision d = m.evaluateOnce().orElseThrow();
    assertThat(d.trigger()).isEqualTo(FailoverPolicy.Trigger.PRIMARY_UNREACHABLE);
    assertThat(d.to()).isEqualTo(WEST);
    assertThat(d.detectionToSwitch()).isEqualTo(Duration.ofMinutes(2));
    assertThat(router.active()).isEqualTo(WEST);
    clock.advance(Duration.ofMinutes(5));
    m.evaluateOnce();
    assertThat(router.switches()).hasSize(1);
    assertThat(alerts).extracting(AlertSink.Alert::severity).containsExactly("WARNING", "CRITICAL");
    assertThat(alerts.get(1).title()).contains("us-east-1").contains("us-west-2");
  }

  @Test
  void an_outage_whose_error_text_changes_between_probes_still_fails_over_after_the_unreachable_threshold() {
    java.util.concurrent.atomic.AtomicInteger round = new java.util.concurrent.atomic.AtomicInteger();
    HealthProbe flapping = () -> new HealthSignal("kafka us-east-1", HealthSignal.Status.FAILED,
        "Kafka cluster us-east-1 did not answer within PT5S (" + (round.getAndIncrement() % 2 == 0 ? "TimeoutException)" : "ExecutionException)"),
        Map.of(Metrics.KAFKA_REACHABLE, 0.0, Metrics.BROKER_HEALTH, 0.0), clock.instant());
    FailoverMonitor m = FailoverMonitor.builder(router, FailoverPolicy.defaults().toBuilder().unreachableFor(Duration.ofSeconds(5)).build(),
        () -> List.of(flapping), () -> WEST).clock(clock).alerts(alerts::add).build();
    for (int second = 0; second < 5; second++) {
      assertThat(m.evaluateOnce()).isEmpty();
      clock.advance(Duration.ofSeconds(1));
    }
    FailoverMonitor.Decision d = m.evaluateOnce().orElseThrow();
    assertThat(d.trigger()).isEqualTo(FailoverPolicy.Trigger.PRIMARY_UNREACHABLE); // not cluster-health, which would take its 30 s
    assertThat(d.detectionToSwitch()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void a_blip_shorter_than_the_threshold_causes_no_failover() {
    FailoverMonitor m = monitor(FailoverPolicy.defaults());
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 0.0));
    m.evaluateOnce();
    clock.advance(Duration.ofSeconds(90));
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 1.0));
    m.evaluateOnce();
    clock.advance(Duration.ofSeconds(60));
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 0.0)); // a new outage starts the clock again
    m.evaluateOnce();
    clock.advance(Duration.ofSeconds(60));
    assertThat(m.evaluateOnce()).isEmpty();
    assertThat(router.active()).isEqualTo(EAST);
  }

  @Test
  void cluster_health_job_failures_and_lag_trigger_after_sustaining() {
    FailoverPolicy policy = FailoverPolicy.defaults().toBuilder().sustainFor(Duration.ofSeconds(30)).build();
    for (Map<String, Double> breach : List.of(Map.of(Metrics.BROKER_HEALTH, 0.33), Map.of(Metrics.FAILURES_IN_WINDOW, 4.0),
        Map.of(Metrics.CONSUMER_LAG, 10_001.0))) {
      InMemoryRegionRouter r = new InMemoryRegionRouter(RegionTopology.of(EAST, WEST), clock);
      metrics.set(breach);
      FailoverMonitor m = FailoverMonitor.builder(r, policy, () -> List.of(kafka), () -> WEST).clock(clock).alerts(alerts::add).build();
      m.evaluateOnce();
      clock.advance(Duration.ofSeconds(30));
      assertThat(m.evaluateOnce()).as(breach.toString()).isPresent();
      assertThat(r.active()).isEqualTo(WEST);
    }
    metrics.set(Map.of(Metrics.BROKER_HEALTH, 0.5, Metrics.FAILURES_IN_WINDOW, 3.0, Metrics.CONSUMER_LAG, 10_000.0));
    assertThat(policy.breaches(List.of(kafka.probe()))).as("the thresholds themselves are not breaches").isEmpty();
  }

  @Test
  void when_another_router_switched_first_the_monitor_follows_and_says_so() {
    FailoverMonitor m = monitor(FailoverPolicy.defaults().toBuilder().unreachableFor(Duration.ofSeconds(10)).build());
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 0.0));
    m.evaluateOnce();
    router.switchElsewhere(WEST, "the other process was faster");
    clock.advance(Duration.ofSeconds(10));
    FailoverMonitor.Decision d = m.evaluateOnce().orElseThrow();
    assertThat(d.switchedByUs()).isFalse();
    assertThat(d.action()).isEqualTo(FailoverMonitor.Action.FOLLOWED);
    assertThat(router.active()).isEqualTo(WEST);
    assertThat(router.epoch()).isEqualTo(2);
  }

  @Test
  void alert_only_advises_the_failover_with_the_command_and_leaves_the_router_alone() {
    FailoverMonitor m = FailoverMonitor.builder(router, FailoverPolicy.defaults().toBuilder().unreachableFor(Duration.ofSeconds(10)).build(),
        () -> List.of(kafka), () -> WEST).clock(clock).alerts(alerts::add).alertOnly(true).build();
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 0.0));
    m.evaluateOnce();
    clock.advance(Duration.ofSeconds(10));

    FailoverMonitor.Decision d = m.evaluateOnce().orElseThrow();

    assertThat(d.action()).isEqualTo(FailoverMonitor.Action.ADVISED);
    assertThat(d.to()).isEqualTo(WEST);
    assertThat(router.active()).isEqualTo(EAST);
    assertThat(router.switches()).isEmpty();
    assertThat(alerts).extracting(AlertSink.Alert::severity).containsExactly("WARNING", "CRITICAL");
    assertThat(alerts.get(1).title()).contains("advised").contains("streamdr failover --to us-west-2");
  }

  @Test
  void before_switching_it_says_what_it_is_about_to_do_and_a_failing_listener_does_not_stop_the_switch() {
    List<String> seen = new CopyOnWriteArrayList<>();
    FailoverMonitor m = FailoverMonitor.builder(router, FailoverPolicy.defaults(), () -> List.of(kafka), () -> WEST).clock(clock)
        .alerts(alerts::add).beforeSwitch(p -> {
          seen.add("%s -> %s at epoch %d, active %s".formatted(p.from().name(), p.to().name(), p.epoch(), router.active().name()));
          throw new IllegalStateException("the journal's storage is down");
        }).build();
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 0.0));
    m.evaluateOnce();
    clock.advance(Duration.ofMinutes(2));
    FailoverMonitor.Decision d = m.evaluateOnce().orElseThrow();
    assertThat(seen).containsExactly("us-east-1 -> us-west-2 at epoch 2, active us-east-1");
    assertThat(d.epoch()).isEqualTo(2);
    assertThat(router.active()).isEqualTo(WEST);
  }

  @Test
  void an_advised_failover_calls_no_before_switch_listener() {
    List<FailoverMonitor.PlannedSwitch> seen = new CopyOnWriteArrayList<>();
    FailoverMonitor m = FailoverMonitor.builder(router, FailoverPolicy.defaults(), () -> List.of(kafka), () -> WEST).clock(clock)
        .alerts(alerts::add).alertOnly(true).beforeSwitch(seen::add).build();
    metrics.set(Map.of(Metrics.KAFKA_REACHABLE, 0.0));
    m.evaluateOnce();
    clock.advance(Duration.ofMinutes(2));
    assertThat(m.evaluateOnce().orElseThrow().action()).isEqualTo(FailoverMonitor.Action.ADVISED);
    assertThat(seen).isEmpty();
  }
}
