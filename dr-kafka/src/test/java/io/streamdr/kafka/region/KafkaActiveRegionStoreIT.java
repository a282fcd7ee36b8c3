package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.DrException;
import io.streamdr.core.FencedException;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionSwitch;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.testing.ActiveRegionStoreContract;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Kafka-backed store passes the {@link ActiveRegionStoreContract} on two real clusters, and survives its home's outage for reads. */
class KafkaActiveRegionStoreIT extends ActiveRegionStoreContract {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  private static final AtomicInteger TOPICS = new AtomicInteger();

  private final Map<ActiveRegionStore, String> topics = new IdentityHashMap<>();
  private final List<KafkaActiveRegionStore> opened = new ArrayList<>();

  private static Region east() {
    return Region.of("us-east-1", EAST.bootstrapServers());
  }

  private static Region west() {
    return Region.of("us-west-2", WEST.bootstrapServers());
  }

  private KafkaActiveRegionStore store(String topic) {
    KafkaActiveRegionStore s = KafkaActiveRegionStore.builder(west()).copiesIn(east()).topic(topic)
        .timeout(Duration.ofSeconds(3)).build();
    topics.put(s, topic);
    opened.add(s);
    return s;
  }

  @Override
  protected ActiveRegionStore newStore() {
    return store("active-region-" + TOPICS.incrementAndGet());
  }

  @Override
  protected ActiveRegionStore sameState(ActiveRegionStore store) {
    return store(topics.get(store));
  }

  @Override
  protected int racingRounds() {
    return racingRounds(50); // each round is a network round trip per racer
  }

  @AfterEach
  void closeStores() {
    opened.forEach(KafkaActiveRegionStore::close);
  }

  @Test
  void every_switch_is_copied_to_the_other_region_and_read_from_there_while_the_home_cluster_is_down() {
    KafkaActiveRegionStore store = (KafkaActiveRegionStore) newStore();
    store.compareAndSet(0, "us-east-1", "initial");
    store.compareAndSet(1, "us-west-2", "us-east-1 unreachable");
    store.awaitCopies(Duration.ofSeconds(10));
    // the copy in us-east-1 holds the latest switch, written by the store, not the test
    KafkaActiveRegionStore copyOnly = KafkaActiveRegionStore.builder(east()).topic(topics.get(store))
        .timeout(Duration.ofSeconds(3)).build();
    opened.add(copyOnly);
    assertThat(copyOnly.read().orElseThrow()).satisfies(r -> {
      assertThat(r.region()).isEqualTo("us-west-2");
      assertThat(r.epoch()).isEqualTo(2);
    });

    WEST.stop();
    try {
      KafkaActiveRegionStore other = store(topics.get(store));
      assertThat(other.read().orElseThrow().region()).isEqualTo("us-west-2");
      assertThatThrownBy(() -> other.compareAndSet(2, "us-east-1", "failback"))
          .isInstanceOf(DrException.class)
          .hasMessageContaining("home cluster (region 'us-west-2'")
          .hasMessageContaining("nothing was recorded")
          .satisfies(e -> assertThat(((DrException) e).retryable()).isTrue());
    } finally {
      WEST.restart();
    }
    assertThat(store.read().orElseThrow().epoch()).isEqualTo(2);
  }

  @Test
  void two_routers_racing_to_fail_over_agree_on_one_winner_and_the_loser_follows_it() throws Exception {
    String topic = "active-region-race";
    RegionTopology topology = RegionTopology.of(east(), west());
    List<DefaultRegionRouter> routers = List.of(new DefaultRegionRouter(topology, store(topic)),
        new DefaultRegionRouter(topology, store(topic)));
    assertThat(routers).allSatisfy(r -> assertThat(r.epoch()).isEqualTo(1));
    List<RegionSwitch> heard = new CopyOnWriteArrayList<>();
    routers.forEach(r -> r.onSwitch(heard::add));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Boolean>> won = new ArrayList<>();
      for (DefaultRegionRouter router : routers) {
        won.add(pool.submit(() -> {
          start.await();
          try {
            router.failover(topology.region("us-west-2"), "race from " + router);
            return true;
          } catch (FencedException e) {
            return false;
          }
        }));
      }
      start.countDown();
      int winners = 0;
      for (Future<Boolean> f : won) {
        winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    // both routers now follow us-west-2 at epoch 2, and each heard of the switch once (one made it, one followed)
    assertThat(routers).allSatisfy(r -> {
      assertThat(r.active().name()).isEqualTo("us-west-2");
      assertThat(r.epoch()).isEqualTo(2);
    });
    assertThat(heard).hasSize(2).extracting(RegionSwitch::local).containsExactlyInAnyOrder(true, false);
  }
}
