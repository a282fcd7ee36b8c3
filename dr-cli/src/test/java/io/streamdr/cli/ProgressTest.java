package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void on_a_terminal_the_line_is_redrawn_in_place_then_ends_with_the_outcome() {
    StringWriter err = new StringWriter();
    try (Progress p = Progress.spinner(new PrintWriter(err), "backup of us-east-1", true)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (err.toString().split("\r").length < 3 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
      p.done("100 records");
    }
    String out = err.toString();
    assertThat(out.split("\r").length).as("redrawn at least twice").isGreaterThanOrEqualTo(3);
    assertThat(out).contains("| backup of us-east-1 (").contains("/ backup of us-east-1 (");
    assertThat(out).containsPattern("\r✔ backup of us-east-1 \\([\\d.,]+ s\\): 100 records\n$");
  }

  @Test
  void elsewhere_it_prints_a_start_line_and_an_end_line_and_says_when_work_did_not_finish() {
    StringWriter err = new StringWriter();
    try (Progress p = Progress.spinner(new PrintWriter(err), "restore of b1", false)) {
      // the work fails: done() is never called
    }
    assertThat(err.toString()).doesNotContain("\r").startsWith("restore of b1...\n").contains("✘ restore of b1 (")
        .endsWith("did not finish\n");
  }

  private static io.streamdr.core.progress.Progress at(long records, long bytes, int done, long millis) {
    return new io.streamdr.core.progress.Progress("backup", "b1", records, 300_000, bytes, done, 6, Duration.ofMillis(millis), false);
  }

  @Test
  void elsewhere_the_counts_are_printed_on_their_own_lines_with_rate_and_time_left() {
    StringWriter err = new StringWriter();
    try (Progress p = Progress.spinner(new PrintWriter(err), "backup of us-east-1", false, Duration.ZERO)) {
      p.counts().onProgress(at(120_000, 12_900_000, 3, 4_800));
      p.done("300,000 records");
    }
    assertThat(err.toString()).doesNotContain("\r").contains(
        "backup of us-east-1: 120,000 of 300,000 records (40%), 12.3 MiB, 3/6 partitions, 25,000 records/s, about 7 s left\n")
        .contains("✔ backup of us-east-1 (");
  }

  @Test
  void on_a_terminal_the_counts_draw_a_progress_bar_in_place() {
    StringWriter err = new StringWriter();
    try (Progress p = Progress.spinner(new PrintWriter(err), "restore of b1", true)) {
      p.counts().onProgress(at(150_000, 1_048_576, 2, 3_000));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!err.toString().contains("150000/300000") && System.nanoTime() < deadline) {
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
      p.done("300,000 records");
    }
    assertThat(err.toString()).contains("\rrestore of b1  50%").contains("150000/300000 records").contains("1.0 MiB, 2/6 partitions")
        .containsPattern("\r✔ restore of b1 \\([\\d.,]+ s\\): 300,000 records\n$");
  }
}
