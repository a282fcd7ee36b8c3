package io.streamdr.examples.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.cli.StreamDr;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the main job as a user would: `streamdr drill --report-dir DIR`, on the real embedded stack. */
class DrillCommandIT {
  @TempDir Path dir;

  @Test
  void the_drill_injects_every_failure_for_real_recovers_meets_the_objectives_and_writes_its_reports() throws Exception {
    String[] r = run("drill", "--report-dir", dir.toString());
    System.out.println(r[1]);
    System.err.println(r[2]);
    assertThat(r[1]).contains("== Drill 1 of 4: connector failure", "== Drill 4 of 4: complete primary region failure")
        .contains("inject: terminating the replication connection").contains("restart failed connector and tasks")
        .contains("inject: cancelling routing job").contains("restored as")
        .contains("inject: stopping broker").contains("recover in place, no failover")
        .contains("inject: stopping us-east-1's Kafka cluster, Connect worker and Flink cluster at once")
        .contains("us-east-1 → us-west-2 at epoch 2 (primary-unreachable)")
        // the change events are Avro through each region's registry: us-west-2's gets the checkpoint's schemas first
        .containsPattern("✔ the checkpoint's schemas in us-west-2's Schema Registry \\([0-9.]+ m?s\\): schema snapshot pipeline-us-east-1-\\S+: [1-9]\\d*"
            + " version\\(s\\) registered with their ids in us-west-2's registry")
        .contains("✔ us-west-2's schemas back in us-east-1's Schema Registry")
        .contains("✔ Debezium in us-west-2 from the carried-over offsets").contains("✔ routing job in us-west-2 from the replicated backlog")
        .contains("✔ a row inserted after the outage reaches the application in us-west-2")
        .contains("rows routed more than once across both regions' filtered topics: 0")
        // the failback moves the whole pipeline back, and a row captured in us-east-1 again reaches the application there
        .contains("✔ the diverged tail reaches us-west-2 once (policy: replay)").contains("0 missing, none twice")
        .contains("✔ reverse replication us-west-2 -> us-east-1").contains("✔ Debezium back in us-east-1 from us-west-2's position")
        .contains("✔ routing job back in us-east-1").contains("✔ the application fails back to us-east-1")
        .contains("✔ a row captured in us-east-1 again reaches the application there")
        .containsPattern("FAILBACK +OK +Debezium back in us-east-1")
        .containsPattern("failback: reverse replication, Debezium and the routing job back in us-east-1, .* delivered [0-9.]+ (ms|s) after it began")
        .contains("Every objective met.");
    // the application's duplicates are exactly those its consumer counted as re-delivered after a switch, and the
    // records of the diverged tail it had read in us-east-1 before the outage and read again in us-west-2's copy
    java.util.regex.Matcher dup = java.util.regex.Pattern.compile("delivered more than once: (\\d+) rows' change events, (\\d+) application"
        + " records \\(the consumer counted (\\d+) re-deliveries; (\\d+) of the diverged tail read in us-east-1 before the outage and again in"
        + " us-west-2\\)").matcher(r[1]);
    assertThat(dup.find()).as(r[1]).isTrue();
    assertThat(Long.parseLong(dup.group(1)) + Long.parseLong(dup.group(2))).as(r[1])
        .isEqualTo(Long.parseLong(dup.group(3)) + Long.parseLong(dup.group(4)));
    assertThat(r[1]).containsPattern("all delivered: 0 lost").containsPattern("end-to-end RTO \\(outage to the first row inserted after it delivered in us-west-2\\): ");
    assertThat(r[1]).containsPattern("no change lost \\(\\d+ ms\\): \\d+ rows in PostgreSQL, \\d+ change events in raw-business-events: 0 lost");
    assertThat(r[1]).containsPattern("every change event routed once \\([^)]*\\): \\d+ rows in PostgreSQL, \\d+ change events in the filtered topics: 0 lost, 0 duplicated");
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    String json = Files.readString(dir.resolve("drill-report.json"));
    assertThat(json).contains("\"name\" : \"connector failure: pg-business-events\"", "\"name\" : \"flink job failure: routing\"",
        "\"name\" : \"kafka cluster failure\"", "\"name\" : \"automated failover to us-west-2\"")
        .doesNotContain("\"objectivesMet\" : false").contains("\"DETECTION\"").contains("\"rpoRecords\"");
    assertThat(r[1]).contains("Full log: " + dir.resolve("drill.log").toAbsolutePath());
    assertThat(dir.resolve("drill.log")).as("the full log holds the failure the connector drill injected, which the console leaves out")
        .content().contains("io.debezium.pipeline.ErrorHandler");
    // the secret scan of the drill: the embedded database's password (random, pg-<16 hex>) is in the connector's
    // configuration and given again at the takeover; it must appear in nothing the drill printed or wrote
    java.util.regex.Pattern password = java.util.regex.Pattern.compile("pg-[0-9a-f]{16}");
    for (Path written : List.of(dir.resolve("drill.log"), dir.resolve("drill-report.json"), dir.resolve("drill-report.html"))) {
      assertThat(Files.readString(written)).as("%s", written.getFileName()).doesNotContainPattern(password);
    }
    assertThat(r[1] + r[2]).as("the console").doesNotContainPattern(password);
    String html = Files.readString(dir.resolve("drill-report.html"));
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("automated failover to us-west-2", "flink job failure").contains("Full log")
        .contains("aria-label=\"records per second over time\"").contains(">outage injected</text>", ">switched</text>", ">primary back</text>", ">failback</text>")
        .doesNotContain("<script").doesNotContain("src=\"http").doesNotContain("href=\"http");
  }

  /** The exit code, standard output and standard error of one run of the command line, in this JVM. */
  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = StreamDr.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }
}
