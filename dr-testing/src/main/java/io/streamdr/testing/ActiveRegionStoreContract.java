package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.FencedException;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ActiveRegionStore} must do. {@link #newStore()} returns a store over fresh, empty state;
 * {@link #sameState(ActiveRegionStore)} another instance over the same state (another process would use one).
 */
public abstract class ActiveRegionStoreContract {

  protected abstract ActiveRegionStore newStore();

  /** A second store instance reading and writing the same state as {@code store}. */
  protected abstract ActiveRegionStore sameState(ActiveRegionStore store);

  /**
   * Rounds of {@link #every_epoch_of_many_racing_rounds_has_one_winner_whom_every_loser_follows}: 1,000 by default;
   * stores whose every round is a network round trip run fewer in the regular build. {@code -Dstreamdr.racing.rounds=N}
   * sets every store's count, for a longer run.
   */
  protected int racingRounds() {
    return racingRounds(1_000);
  }

  /** {@code fallback} rounds unless {@code -Dstreamdr.racing.rounds} says otherwise. */
  protected static int racingRounds(int fallback) {
    return Integer.getInteger("streamdr.racing.rounds", fallback);
  }

  @Test
  void every_epoch_of_many_racing_rounds_has_one_winner_whom_every_loser_follows() throws Exception {
    ActiveRegionStore first = newStore();
    ActiveRegionStore second = sameState(first);
    first.compareAndSet(0, "us-east-1", "initial");
    int racers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    try {
      for (int round = 0; round < racingRounds(); round++) {
        long epoch = round + 1;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
          ActiveRegionStore store = i % 2 == 0 ? first : second; // two instances: as two processes over one state
          String region = "racer-" + i;
          results.add(pool.submit(() -> {
            start.await();
            try {
              return store.compareAndSet(epoch, region, "round " + epoch);
            } catch (FencedException e) {
              return e;
            }
          }));
        }
        start.countDown();
        List<ActiveRegion> winners = new ArrayList<>();
        List<FencedException> losers = new ArrayList<>();
        for (Future<Object> f : results) {
          Object o = f.get(30, TimeUnit.SECONDS);
          if (o instanceof ActiveRegion a) {
            winners.add(a);
          } else {
            losers.add((FencedException) o);
          }
        }
        String at = "round " + epoch;
        assertThat(winners).as(at + ": exactly one winner").hasSize(1);
        ActiveRegion winner = winners.get(0);
        assertThat(winner.epoch()).as(at).isEqualTo(epoch + 1);
        assertThat(first.read().orElseThrow()).as(at + ": the first instance follows the winner")
            .extracting(ActiveRegion::region, ActiveRegion::epoch).containsExactly(winner.region(), winner.epoch());
        assertThat(second.read().orElseThrow()).as(at + ": the second instance follows the winner")
            .extracting(ActiveRegion::region, ActiveRegion::epoch).containsExactly(winner.region(), winner.epoch());
        for (FencedException lost : losers) {
          assertThat(lost.getMessage()).as(at + ": a loser is told who won").contains(winner.region());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void a_new_store_is_empty() {
    assertThat(newStore().read()).isEmpty();
  }

  @Test
  void the_first_compare_and_set_expects_epoch_zero_and_creates_epoch_one() {
    ActiveRegionStore store = newStore();
    ActiveRegion r = store.compareAndSet(0, "us-east-1", "initial");
    assertThat(r.epoch()).isEqualTo(1);
    assertThat(r.region()).isEqualTo("us-east-1");
    assertThat(store.read()).contains(r);
  }

  @Test
  void a_stale_epoch_is_fenced_and_names_the_winner() {
    ActiveRegionStore store = newStore();
    store.compareAndSet(0, "us-east-1", "initial");
    store.compareAndSet(1, "us-west-2", "primary down");
    assertThatThrownBy(() -> store.compareAndSet(1, "us-east-1", "late"))
        .isInstanceOfSatisfying(FencedException.class, e -> {
          assertThat(e.currentEpoch()).isEqualTo(2);
          assertThat(e.currentRegion()).isEqualTo("us-west-2");
        })
        .hasMessageContaining("us-west-2");
    assertThat(store.read().orElseThrow().region()).isEqualTo("us-west-2");
  }

  @Test
  void initialize_keeps_an_existing_record() {
    ActiveRegionStore store = newStore();
    assertThat(store.initialize("us-east-1").epoch()).isEqualTo(1);
    store.compareAndSet(1, "us-west-2", "drill");
    assertThat(store.initialize("us-east-1").region()).isEqualTo("us-west-2");
  }

  @Test
  void two_instances_over_the_same_state_see_each_others_switches() {
    ActiveRegionStore a = newStore();
    ActiveRegionStore b = sameState(a);
    a.compareAndSet(0, "us-east-1", "initial");
    assertThat(b.read().orElseThrow().epoch()).isEqualTo(1);
    b.compareAndSet(1, "us-west-2", "failover");
    assertThatThrownBy(() -> a.compareAndSet(1, "us-west-2", "racing")).isInstanceOf(FencedException.class);
    assertThat(a.read().orElseThrow().region()).isEqualTo("us-west-2");
  }

  @Test
  void of_many_concurrent_switches_at_one_epoch_exactly_one_wins() throws Exception {
    ActiveRegionStore first = newStore();
    first.compareAndSet(0, "us-east-1", "initial");
    int racers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    try {
      for (int i = 0; i < racers; i++) {
        ActiveRegionStore store = i % 2 == 0 ? first : sameState(first);
        String region = "racer-" + i;
        results.add(pool.submit(() -> {
          start.await();
          try {
            store.compareAndSet(1, region, "race");
            return true;
          } catch (FencedException e) {
            return false;
          }
        }));
      }
      start.countDown();
      int wins = 0;
      for (Future<Boolean> f : results) {
        wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(wins).isEqualTo(1);
      assertThat(first.read().orElseThrow().epoch()).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }
}
