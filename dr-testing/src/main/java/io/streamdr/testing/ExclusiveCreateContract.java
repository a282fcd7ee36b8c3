package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What {@link BackupTarget#createIfAbsent} must do on a target that supports it: publish once, never replace, and
 * let exactly one of many racing callers win. Extend it and return a fresh, empty target from {@link #target()}.
 */
public abstract class ExclusiveCreateContract {

  /** A new, empty target. */
  protected abstract BackupTarget target();

  /** Racers per round; each is a thread calling {@code createIfAbsent} for the same key at once. */
  protected int racers() {
    return 8;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void the_first_call_publishes_and_a_later_one_leaves_the_object_unchanged() {
    BackupTarget target = target();
    BackupKey key = new BackupKey("agent/leases/backup/slot-1/attempt-1.json");

    assertThat(target.createIfAbsent(key, bytes("first"))).isTrue();
    assertThat(target.createIfAbsent(key, bytes("second"))).isFalse();

    assertThat(new String(target.readAll(key), StandardCharsets.UTF_8)).isEqualTo("first");
    assertThat(target.list("agent/leases/")).extracting(o -> o.key().value()).containsExactly(key.value());
  }

  @Test
  void an_object_written_the_ordinary_way_is_not_replaced() {
    BackupTarget target = target();
    BackupKey key = new BackupKey("agent/leases/prune/slot-1/attempt-1.json");
    target.put(key, bytes("there before"));

    assertThat(target.createIfAbsent(key, bytes("late"))).isFalse();
    assertThat(new String(target.readAll(key), StandardCharsets.UTF_8)).isEqualTo("there before");
  }

  @Test
  void of_racing_callers_exactly_one_wins_and_its_bytes_are_published() throws Exception {
    BackupTarget target = target();
    ExecutorService pool = Executors.newFixedThreadPool(racers());
    try {
      for (int round = 0; round < 20; round++) {
        BackupKey key = new BackupKey("agent/leases/race/slot-" + round + "/attempt-1.json");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < racers(); i++) {
          String body = "racer-" + i;
          calls.add(pool.submit(() -> {
            start.await();
            return target.createIfAbsent(key, bytes(body));
          }));
        }
        start.countDown();
        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
          if (calls.get(i).get(30, TimeUnit.SECONDS)) {
            winners.add(i);
          }
        }
        assertThat(winners).as("winners of round %d", round).hasSize(1);
        assertThat(new String(target.readAll(key), StandardCharsets.UTF_8)).isEqualTo("racer-" + winners.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
