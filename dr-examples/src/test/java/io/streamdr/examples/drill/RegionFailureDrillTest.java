package io.streamdr.examples.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.examples.embedding.RegionAwareService.Delivery;
import io.streamdr.kafka.pipeline.DivergedTail;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the region drill reports what the outage lost. */
class RegionFailureDrillTest {
  private static final Instant INJECTED = Instant.parse("2026-12-02T02:18:28Z");
  private static final Instant DOWN = INJECTED.plusMillis(5_578); // stopping a cluster takes seconds

  @Test
  void a_record_acknowledged_while_the_primary_went_down_gives_a_recovery_point_up_to_when_it_was_down() {
    // acknowledged 5.0 s after the injection, before the cluster finished stopping
    DivergedTail.Report lost = new DivergedTail.Report(1, Optional.of(INJECTED.plusMillis(5_023)),
        Optional.of(INJECTED.plusMillis(5_023)), Map.of("orders-0", 1L));
    assertThat(RegionFailureDrill.rpoSpan(lost, DOWN)).isEqualTo(Duration.ofMillis(555));
    assertThat(RegionFailureDrill.rpoSpan(lost, INJECTED)).as("never negative").isEqualTo(Duration.ZERO);
    assertThat(RegionFailureDrill.rpoSpan(new DivergedTail.Report(0, Optional.empty(), Optional.empty(), Map.of()), DOWN))
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void what_was_lost_is_named_with_every_value_filled_in() {
    DivergedTail.Report lost = new DivergedTail.Report(2, Optional.of(INJECTED), Optional.of(DOWN), Map.of("orders-0", 2L));
    assertThat(RegionFailureDrill.lost(lost, BackupKey.of("diverged-tails", "region-drill-1", "tail.seg")))
        .isEqualTo(" (2 diverged record(s) written from 2026-12-02T02:18:28Z to 2026-12-02T02:18:33.578Z: {orders-0=2};"
            + " kept in the backups as diverged-tails/region-drill-1/tail.seg)")
        .doesNotContain("%s");
  }

  @Test
  void a_diverged_record_read_in_both_regions_is_counted_once_and_one_read_in_one_region_not_at_all() {
    Instant t = INJECTED;
    List<Delivery> delivered = List.of(
        new Delivery("orders", "k1", "order-1", "us-east-1", t),
        new Delivery("us-east-1.orders", "k1", "order-1", "us-west-2", t.plusSeconds(30)),
        new Delivery("us-east-1.orders", "k2", "order-2", "us-west-2", t.plusSeconds(30)),
        new Delivery("orders", "k3", "order-3", "us-east-1", t),
        new Delivery("us-east-1.orders", "k3", "order-3", "us-west-2", t.plusSeconds(1)),
        new Delivery("us-east-1.filtered", "k1", "order-1", "us-west-2", t));
    // order-1 and order-2 are the diverged tail; order-3 is a re-delivery the consumer counts itself
    assertThat(RegionFailureDrill.readInBoth(delivered, "orders", Set.of("order-1", "order-2"))).isEqualTo(1);
    assertThat(RegionFailureDrill.readInBoth(delivered, "orders", Set.of())).isZero();
  }
}
