package io.streamdr.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamdr.core.failover.AlertSink;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.runbook.Phase;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamDrMetersTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final StreamDrMeters meters = new StreamDrMeters(registry);
  private final RegionTopology topology = RegionTopology.of(Region.of("us-east-1", "east:9092"), Region.of("us-west-2", "west:9092"));
  private static final Instant T0 = Instant.parse("2026-12-01T02:00:00Z");

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  @Test
  void a_probe_reports_its_status_and_numbers_and_is_unknown_until_it_probed() {
    HealthSignal.Status[] status = {HealthSignal.Status.HEALTHY};
    var probe = meters.probe("primary-kafka", () -> new HealthSignal("kafka us-east-1", status[0], "", Map.of("broker_health", 0.67), T0));

    assertThat(gauge(StreamDrMeters.PROBE_STATUS, "probe", "primary-kafka")).isEqualTo(3.0);
    probe.probe();
    assertThat(gauge(StreamDrMeters.PROBE_STATUS, "probe", "primary-kafka")).isEqualTo(0.0);
    assertThat(gauge("streamdr.probe.broker_health", "probe", "primary-kafka")).isEqualTo(0.67);
    status[0] = HealthSignal.Status.FAILED;
    probe.probe();
    assertThat(gauge(StreamDrMeters.PROBE_STATUS, "probe", "primary-kafka")).isEqualTo(2.0);
    assertThat(meters.lastSignal("primary-kafka")).hasValueSatisfying(s -> assertThat(s.status()).isEqualTo(HealthSignal.Status.FAILED));
  }

  @Test
  void the_router_gauges_follow_a_switch() {
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
    meters.router(router, topology);
    assertThat(gauge(StreamDrMeters.ACTIVE_REGION, "region", "us-east-1")).isEqualTo(1.0);
    assertThat(gauge(StreamDrMeters.ACTIVE_REGION, "region", "us-west-2")).isEqualTo(0.0);
    long before = router.epoch();

    router.failover(topology.region("us-west-2"), "test");

    assertThat(gauge(StreamDrMeters.ACTIVE_REGION, "region", "us-east-1")).isEqualTo(0.0);
    assertThat(gauge(StreamDrMeters.ACTIVE_REGION, "region", "us-west-2")).isEqualTo(1.0);
    assertThat(gauge(StreamDrMeters.EPOCH)).isEqualTo(before + 1);
    assertThat(registry.get(StreamDrMeters.SWITCHES).tags("to", "us-west-2").counter().count()).isEqualTo(1.0);
  }

  @Test
  void decisions_are_counted_by_trigger_and_alerts_by_severity() {
    List<AlertSink.Alert> passed = new ArrayList<>();
    AlertSink sink = meters.alerts(passed::add);
    sink.send(new AlertSink.Alert("critical", "failover", Map.of(), T0));
    sink.send(new AlertSink.Alert("critical", "failover", Map.of(), T0));
    meters.failoverDecision(new FailoverMonitor.Decision(FailoverPolicy.Trigger.PRIMARY_UNREACHABLE, "", T0, T0.plusSeconds(120), T0.plusSeconds(121),
        topology.region("us-east-1"), topology.region("us-west-2"), 2, FailoverMonitor.Action.SWITCHED));

    assertThat(passed).hasSize(2);
    assertThat(registry.get(StreamDrMeters.ALERTS).tags("severity", "critical").counter().count()).isEqualTo(2.0);
    assertThat(registry.get(StreamDrMeters.FAILOVER_DECISIONS).tags("trigger", "primary-unreachable", "action", "switched").counter().count()).isEqualTo(1.0);
    assertThat(registry.get(StreamDrMeters.DETECTION_TO_SWITCH).timer().totalTime(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(121.0);
  }

  @Test
  void a_drill_exports_its_rto_rpo_and_each_objective() {
    RunbookReport report = new RunbookReport("region drill", false, T0, T0.plusSeconds(40), List.of(),
        Map.of(Phase.DETECTION, Duration.ofSeconds(6), Phase.EXECUTION, Duration.ofSeconds(8)), Duration.ofMillis(1500), 3,
        RecoveryObjectives.defaults(), List.of(), null);

    meters.drill("region", report);

    assertThat(gauge(StreamDrMeters.DRILL_RTO, "drill", "region")).isEqualTo(14.0);
    assertThat(gauge(StreamDrMeters.DRILL_RPO, "drill", "region")).isEqualTo(1.5);
    assertThat(gauge(StreamDrMeters.DRILL_RPO_RECORDS, "drill", "region")).isEqualTo(3.0);
    assertThat(gauge(StreamDrMeters.DRILL_LAST_RUN, "drill", "region")).isEqualTo(T0.plusSeconds(40).getEpochSecond());
    assertThat(report.objectiveResults()).isNotEmpty().allSatisfy(o ->
        assertThat(gauge(StreamDrMeters.DRILL_OBJECTIVE_MET, "drill", "region", "objective", o.objective())).isEqualTo(o.met() ? 1.0 : 0.0));
  }
}
