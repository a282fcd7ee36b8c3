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
}
