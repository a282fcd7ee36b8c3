package io.streamdr.core.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.testing.RegionRouterContract;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class InMemoryRegionRouterTest extends RegionRouterContract {
  @Override
  protected RegionRouter router(RegionTopology topology, ActiveRegionStore store) {
    return new InMemoryRegionRouter(topology, store, Clock.systemUTC());
  }

  @Test
  void a_failed_failover_changes_nothing() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(TOPOLOGY);
    router.failNextFailover("store unreachable");
    assertThatThrownBy(() -> router.failover(WEST, "x")).isInstanceOf(RemoteServiceException.class)
        .hasMessageContaining("store unreachable");
    assertThat(router.active()).isEqualTo(EAST);
    assertThat(router.failover(WEST, "x")).isEqualTo(WEST);
  }

  @Test
  void a_switch_made_elsewhere_is_learned_on_refresh_and_notified_as_remote() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(TOPOLOGY);
    router.switchElsewhere(WEST, "other process");
    assertThat(router.active()).isEqualTo(EAST);
    assertThat(router.refresh()).isEqualTo(WEST);
    assertThat(router.switches()).singleElement().satisfies(s -> {
      assertThat(s.local()).isFalse();
      assertThat(s.epoch()).isEqualTo(2);
    });
  }

  @Test
  void failback_returns_to_the_primary() {
    InMemoryRegionRouter router = new InMemoryRegionRouter(TOPOLOGY);
    router.failover(WEST, "drill");
    assertThat(router.failback("drill over")).isEqualTo(EAST);
    assertThat(router.epoch()).isEqualTo(3);
  }
}
