package io.streamdr.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the main job as a user would: `streamdr drill --report-dir DIR`, on the real embedded stack. */
class DrillCommandIT {
  @TempDir Path dir;

  @Test
  void the_drill_fails_a_region_over_for_real_meets_the_objectives_and_writes_its_reports() throws Exception {
    String[] r = StreamDrCliTest.run("drill", "--report-dir", dir.toString());
    System.out.println(r[1]);
    System.err.println(r[2]);
    assertThat(r[1]).contains("inject: stopping the whole us-east-1 Kafka cluster")
        .contains("failed over to us-west-2").contains("verify replication").contains("Every objective met.");
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    String json = Files.readString(dir.resolve("drill-report.json"));
    assertThat(json).contains("\"name\" : \"complete primary region failure\"").contains("\"objectivesMet\" : true")
        .contains("\"DETECTION\"").contains("\"rpoRecords\"");
    String html = Files.readString(dir.resolve("drill-report.html"));
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("complete primary region failure")
        .doesNotContain("<script").doesNotContain("src=\"http").doesNotContain("href=\"http");
  }
}
