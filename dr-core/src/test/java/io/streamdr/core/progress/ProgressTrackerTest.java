package io.streamdr.core.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTrackerTest {
  @Test
  void reports_are_throttled_and_the_last_one_says_done() {
    List<Progress> seen = new ArrayList<>();
    ProgressTracker t = new ProgressTracker("backup", "b1", seen::add, 1000, 2, Duration.ofHours(1));
    for (int i = 0; i < 1000; i++) {
      t.add(1, 10);
    }
    t.partitionDone();
    t.partitionDone();
    t.finish();
    t.finish();

    assertThat(seen).singleElement().satisfies(p -> {
      assertThat(p.done()).isTrue();
      assertThat(p.records()).isEqualTo(1000);
      assertThat(p.bytes()).isEqualTo(10_000);
      assertThat(p.partitionsDone()).isEqualTo(2);
      assertThat(p.fraction()).hasValue(1.0);
    });
  }

  @Test
  void with_no_throttle_every_update_is_reported_with_its_fraction_and_time_left() {
    List<Progress> seen = new ArrayList<>();
    ProgressTracker t = new ProgressTracker("restore", "b1", seen::add, 400, 4, Duration.ZERO);
    t.add(100, 1000);

    assertThat(seen).singleElement().satisfies(p -> {
      assertThat(p.done()).isFalse();
      assertThat(p.fraction()).hasValue(0.25);
    });
    Progress later = new Progress("restore", "b1", 100, 400, 1000, 1, 4, Duration.ofSeconds(1), false);
    assertThat(later.recordsPerSecond()).isEqualTo(100.0);
    assertThat(later.remaining()).hasValue(Duration.ofSeconds(3));
  }

  @Test
  void a_listener_that_throws_never_fails_the_operation_and_is_not_called_again() {
    int[] calls = {0};
    ProgressTracker t = new ProgressTracker("backup", "b1", p -> {
      calls[0]++;
      throw new IllegalStateException("a bug in the listener");
    }, 10, 1, Duration.ZERO);
    t.add(1, 1);
    t.add(1, 1);
    t.finish();

    assertThat(calls[0]).isEqualTo(1);
    assertThat(t.now().records()).isEqualTo(2);
  }
}
