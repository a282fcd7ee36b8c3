package io.streamdr.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.core.fake.InMemorySavepointClient;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SavepointSchedulerTest {
  private final MutableClock clock = new MutableClock();
  private final InMemorySavepointClient flink = new InMemorySavepointClient(clock);
  private final JobRef job = flink.startJob("routing");
  private final List<Savepoint> disposed = new ArrayList<>();

  private SavepointScheduler.Builder scheduler() {
    return SavepointScheduler.builder(flink, () -> job, disposed::add).clock(clock).awaitTimeout(Duration.ofSeconds(5));
  }

  @Test
  void keeps_at_most_max_count_disposing_the_oldest() {
    SavepointScheduler s = scheduler().maxCount(2).build();
    for (int i = 0; i < 4; i++) {
      s.runOnce();
      clock.advance(Duration.ofHours(6));
    }
    assertThat(s.catalog()).hasSize(2);
    assertThat(disposed).hasSize(2);
    assertThat(s.catalog().get(0).completedAt()).isPresent();
    assertThat(s.catalog()).doesNotContainAnyElementsOf(disposed);
  }

  @Test
  void drops_savepoints_older_than_max_age_but_never_the_newest() {
    SavepointScheduler s = scheduler().maxAge(Duration.ofDays(1)).build();
    s.runOnce();
    clock.advance(Duration.ofDays(3));
    flink.failNextTrigger("checkpoint coordinator shut down");
    SavepointScheduler.Run failed = s.runOnce();
    assertThat(failed.failure()).hasValueSatisfying(f -> assertThat(f).contains("checkpoint coordinator shut down"));
    // the only completed savepoint is 3 days old, but it is the newest: kept
    assertThat(s.catalog()).hasSize(1);
    assertThat(disposed).isEmpty();
    s.runOnce();
    assertThat(s.catalog()).hasSize(1);
    assertThat(disposed).hasSize(1);
  }

  @Test
  void a_savepoint_whose_disposal_fails_stays_in_the_catalog_and_is_retried() {
    List<String> attempts = new ArrayList<>();
    boolean[] fail = {true};
    SavepointScheduler s = SavepointScheduler.builder(flink, () -> job, sp -> {
      attempts.add(sp.id());
      if (fail[0]) {
        throw new IllegalStateException("permission denied on the savepoint directory");
      }
    }).clock(clock).maxCount(1).build();
    s.runOnce();
    SavepointScheduler.Run second = s.runOnce();
    assertThat(second.disposalFailures()).singleElement().satisfies(f -> assertThat(f).contains("permission denied"));
    assertThat(s.catalog()).hasSize(2);
    fail[0] = false;
    s.runOnce();
    assertThat(s.catalog()).hasSize(1);
    assertThat(attempts).hasSize(3); // the first savepoint twice, the second once
  }

  @Test
  void each_run_uses_a_fresh_trigger_id() {
    SavepointScheduler s = scheduler().build();
    s.runOnce();
    s.runOnce();
    assertThat(flink.triggerCount()).isEqualTo(2);
    assertThat(s.history()).hasSize(2).allSatisfy(r -> assertThat(r.taken()).isPresent());
  }

  @Test
  void copying_skips_non_file_locations_without_failing_the_run() {
    InMemoryBackupTarget target = new InMemoryBackupTarget();
    SavepointScheduler s = scheduler().copyTo(target).build();
    assertThat(s.runOnce().taken()).isPresent(); // memory:// locations are not copied
    assertThat(target.list("")).isEmpty();
  }
}
