package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.FencedException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.region.RegionSwitch;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.region.Subscription;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RegionRouter} must do. {@link #router} returns a router over the given topology and store;
 * routers sharing a store must agree.
 */
public abstract class RegionRouterContract {
  protected static final Region EAST = Region.of("us-east-1", "east:9092");
  protected static final Region WEST = Region.of("us-west-2", "west:9092");
  protected static final RegionTopology TOPOLOGY = RegionTopology.of(EAST, WEST);

  protected abstract RegionRouter router(RegionTopology topology, ActiveRegionStore store);

  @Test
  void a_router_over_an_empty_store_starts_on_the_primary_at_epoch_one() {
    RegionRouter router = router(TOPOLOGY, new InMemoryActiveRegionStore());
    assertThat(router.active()).isEqualTo(EAST);
    assertThat(router.epoch()).isEqualTo(1);
  }

  @Test
  void failover_switches_increments_the_epoch_and_notifies_listeners_once() {
    RegionRouter router = router(TOPOLOGY, new InMemoryActiveRegionStore());
    List<RegionSwitch> seen = new CopyOnWriteArrayList<>();
    router.onSwitch(seen::add);
    assertThat(router.failover(WEST, "primary unreachable")).isEqualTo(WEST);
    assertThat(router.active()).isEqualTo(WEST);
    assertThat(router.epoch()).isEqualTo(2);
    assertThat(seen).singleElement().satisfies(s -> {
      assertThat(s.from()).isEqualTo(EAST);
      assertThat(s.to()).isEqualTo(WEST);
      assertThat(s.epoch()).isEqualTo(2);
      assertThat(s.reason()).isEqualTo("primary unreachable");
    });
  }

  @Test
  void failover_to_the_active_region_changes_nothing() {
    RegionRouter router = router(TOPOLOGY, new InMemoryActiveRegionStore());
    List<RegionSwitch> seen = new CopyOnWriteArrayList<>();
    router.onSwitch(seen::add);
    router.failover(EAST, "already there");
    assertThat(router.epoch()).isEqualTo(1);
    assertThat(seen).isEmpty();
  }

  @Test
  void failover_to_a_region_outside_the_topology_is_refused_by_name() {
    RegionRouter router = router(TOPOLOGY, new InMemoryActiveRegionStore());
    assertThatThrownBy(() -> router.failover(Region.of("eu-west-1", "eu:9092"), "typo"))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("eu-west-1");
    assertThat(router.active()).isEqualTo(EAST);
  }

  @Test
  void a_closed_subscription_is_not_notified() {
    RegionRouter router = router(TOPOLOGY, new InMemoryActiveRegionStore());
    List<RegionSwitch> seen = new CopyOnWriteArrayList<>();
    Subscription sub = router.onSwitch(seen::add);
    sub.close();
    router.failover(WEST, "x");
    assertThat(seen).isEmpty();
  }

  @Test
  void of_two_routers_racing_on_one_store_the_loser_is_fenced_and_follows_the_winner() {
    ActiveRegionStore store = new InMemoryActiveRegionStore();
    RegionRouter a = router(TOPOLOGY, store);
    RegionRouter b = router(TOPOLOGY, store);
    a.failover(WEST, "a saw the primary die");
    assertThatThrownBy(() -> b.failover(WEST, "b saw it too"))
        .isInstanceOf(FencedException.class);
    assertThat(b.active()).isEqualTo(WEST);
    assertThat(b.epoch()).isEqualTo(a.epoch()).isEqualTo(2);
  }

  @Test
  void a_listener_that_throws_does_not_stop_the_switch_or_other_listeners() {
    RegionRouter router = router(TOPOLOGY, new InMemoryActiveRegionStore());
    List<RegionSwitch> seen = new CopyOnWriteArrayList<>();
    router.onSwitch(s -> {
      throw new IllegalStateException("listener bug");
    });
    router.onSwitch(seen::add);
    router.failover(WEST, "x");
    assertThat(router.active()).isEqualTo(WEST);
    assertThat(seen).hasSize(1);
  }
}
