package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedFlink;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.flink.RoutingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code failback --pipeline} on two real regions: refused while the replication back lags, then the connectors handed
 * back with their final offsets past the primary's own copy, the secondary's Flink job stopped with a savepoint and the
 * primary's started from it, the switch back; a rerun changes nothing.
 */
class PipelineFailbackIT {
  @RegisterExtension @Order(1)
  // the retention check every 200 ms, not every 5 minutes: a topic here that let old records expire fails every run
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1")
      .brokerProperty("log.retention.check.interval.ms", "200").build();
  @RegisterExtension @Order(2)
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  @RegisterExtension @Order(3)
  static final EmbeddedConnect EAST_CONNECT = EmbeddedConnect.on(EAST, "connect-east");
  @RegisterExtension @Order(4)
  static final EmbeddedConnect WEST_CONNECT = EmbeddedConnect.on(WEST, "connect-west");
  @RegisterExtension @Order(5)
  static final EmbeddedFlink FLINK = EmbeddedFlink.create();

  private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  @TempDir Path dir;

  private static Map<String, String> fileSource(Path file, String topic) {
    return Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector", "tasks.max", "1", "file", file.toString(),
        "topic", topic, "topic.creation.default.replication.factor", "1", "topic.creation.default.partitions", "1");
  }

  /** Copies {@code records} of the secondary's {@code orders} into the primary's {@code us-west-2.orders}, as MirrorMaker 2 would. */
  private static void copyBack(List<ConsumerRecord<String, String>> records) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(EAST.clientConfig(), new StringSerializer(), new StringSerializer())) {
      for (var r : records) {
        ProducerRecord<String, String> copy = new ProducerRecord<>("us-west-2.orders", r.partition(), r.timestamp(), r.key(), r.value());
        r.headers().forEach(h -> copy.headers().add(h));
        p.send(copy).get();
      }
    }
  }

  @Test
  void the_pipeline_goes_back_only_once_what_the_secondary_wrote_is_in_the_primary_and_a_rerun_changes_nothing() throws Exception {
    Path jar = EmbeddedFlink.writeRoutingJobJar(dir);
    EAST.createTopic("raw-failback", 1);
    WEST.createTopic("raw-failback", 1);
    EAST.createTopic("us-west-2.orders", 1);
    for (String type : RoutingJob.TYPES) { // the routing job's sink writes these
      EAST.createTopic(RoutingJob.filteredTopic(type), 1);
      WEST.createTopic(RoutingJob.filteredTopic(type), 1);
    }
    Path file = dir.resolve("orders.txt");
    Files.writeString(file, "o1\no2\no3\no4\n");
    Path cfg = dir.resolve("streamdr.yaml");
    Files.writeString(cfg, """
        primary: us-east-1
        regions:
          - name: us-east-1
            bootstrap: "%s"
            connect: "%s"
            flink: "%s"
            flinkJob: {name: routing-back, jar: "%s", entryClass: %s, args: ["%s", raw-failback], parallelism: 1, fromRecoveryPoint: true}
          - {name: us-west-2, bootstrap: "%s", connect: "%s", flink: "%s"}
        backups: {directory: "%s"}
        activeRegion: {store: file, path: "%s"}
        """.formatted(EAST.bootstrapServers(), EAST_CONNECT.restUrl(), FLINK.restUrl(), jar, RoutingJob.class.getName(), EAST.bootstrapServers(),
        WEST.bootstrapServers(), WEST_CONNECT.restUrl(), FLINK.restUrl(), dir.resolve("backups"), dir.resolve("active-region.json")));
    String c = cfg.toString();
    ConnectRestAdmin east = new ConnectRestAdmin(RestEndpoint.of(EAST_CONNECT.restUrl().toString()));
    ConnectRestAdmin west = new ConnectRestAdmin(RestEndpoint.of(WEST_CONNECT.restUrl().toString()));

    // after a failover: the connector runs in us-west-2; us-east-1's worker came back with its own copy, paused
    String[] both = StreamDrCliTest.run("failover", "-c", c, "--to", "us-west-2", "--pipeline", "--switch-only");
    assertThat(both[0]).isEqualTo("2");
    assertThat(both[2]).contains("--pipeline and --switch-only exclude each other");
    // a file that describes a pipeline fails it over by default: without a checkpoint, refused before switching
    String[] noCheckpoint = StreamDrCliTest.run("failover", "-c", c, "--to", "us-west-2");
    assertThat(noCheckpoint[0]).isEqualTo("2");
    assertThat(noCheckpoint[2]).contains("No pipeline checkpoint of us-east-1").contains("streamdr failover --switch-only");
    assertThat(dir.resolve("active-region.json")).doesNotExist();
    assertThat(StreamDrCliTest.run("failover", "-c", c, "--to", "us-west-2", "--switch-only")[0]).isEqualTo("0");
    west.apply(ConnectorSpec.of("orders-cdc", fileSource(file, "orders")));
    west.awaitState("orders-cdc", i -> i.fullyRunning() && !west.offsets("orders-cdc").isEmpty(), Duration.ofSeconds(60));
    east.apply(new ConnectorSpec("orders-cdc", fileSource(file, "orders"), Optional.of(ConnectorState.PAUSED)));
    east.awaitState("orders-cdc", i -> i.state() == ConnectorState.PAUSED, Duration.ofSeconds(30));
    List<ConsumerRecord<String, String>> written = WEST.read("orders", 4, Duration.ofSeconds(60));
    // and the Flink job the failover started in us-west-2, as its journal names it
    var flink = new io.streamdr.flink.FlinkRestSavepointClient(RestEndpoint.of(FLINK.restUrl().toString()));
    String westJob = flink.start(io.streamdr.core.savepoint.JobSpec.builder("routing-west").jarFile(jar).entryClass(RoutingJob.class.getName())
        .arguments(List.of(WEST.bootstrapServers(), "raw-failback")).parallelism(1).build()).id();
    flink.awaitRunning(new io.streamdr.core.savepoint.JobRef(westJob), Duration.ofSeconds(60));
    StreamDrConfig loaded = StreamDrConfig.load(cfg, Map.of());
    Takeover.Journal.begin("us-east-1", "us-west-2", 2, "test", java.time.Instant.now()).withFlinkJob(westJob)
        .complete(java.time.Instant.now()).write(loaded.backups());

    // and a connector of us-west-2's own, which the failback leaves there
    Path own = dir.resolve("west-own.txt");
    Files.writeString(own, "x\n");
    west.apply(ConnectorSpec.of("west-own", fileSource(own, "west-own")));
    west.awaitState("west-own", i -> i.fullyRunning(), Duration.ofSeconds(60));

    // which connectors go back is what us-east-1's pipeline checkpoint names, or --connectors: without either, refused
    String[] unnamed = StreamDrCliTest.run("failback", "-c", c, "--pipeline", "--topics", "orders");
    assertThat(unnamed[0]).isEqualTo("2");
    assertThat(unnamed[2]).contains("No pipeline checkpoint of us-east-1 names the connectors to hand back to it; name them with --connectors");
    assertThat(StreamDrCliTest.run("checkpoint", "-c", c, "--region", "us-east-1")[0]).isEqualTo("0"); // it holds orders-cdc

    // half of what us-west-2 wrote is in us-east-1: refused, nothing changed
    copyBack(written.subList(0, 2));
    String[] lagging = StreamDrCliTest.run("failback", "-c", c, "--pipeline", "--topics", "orders", "--replication-timeout", "2s");
    assertThat(lagging[0]).as(lagging[1] + lagging[2]).isEqualTo("1");
    assertThat(lagging[1]).contains("not caught up after PT2S: 2 record(s) behind [orders-0: 2]")
        .contains("Nothing was changed. Start or fix the replication us-west-2 -> us-east-1").contains("Report: pipeline-reports/failback-");
    assertThat(west.describe("orders-cdc").state()).isEqualTo(ConnectorState.RUNNING);
    assertThat(Files.readString(dir.resolve("active-region.json"))).contains("us-west-2");

    String[] dry = StreamDrCliTest.run("failback", "-c", c, "--pipeline", "--topics", "orders", "--dry-run");
    assertThat(dry[0]).as(dry[2]).isEqualTo("0");
    assertThat(dry[1]).contains("Dry run of a pipeline failback us-west-2 -> us-east-1")
        .contains("1. check that every record of [orders] in us-west-2 is in us-east-1 ([us-west-2.orders])")
        .contains("2. hand connectors [orders-cdc] over from us-west-2's Connect").contains("3. stop Flink job " + westJob)
        .contains("4. start Flink job routing-back in us-east-1").contains("from that savepoint")
        .contains("5. switch the active region in the store to us-east-1").contains("Nothing was changed.");
    String[] dryJson = StreamDrCliTest.run("failback", "-c", c, "--pipeline", "--topics", "orders", "--dry-run", "--json");
    assertThat(dryJson[0]).as(dryJson[2]).isEqualTo("0");
    assertThat(STRICT.readTree(dryJson[1]).path("failback").path("dryRun").asBoolean()).as("only JSON on standard output").isTrue();
    assertThat(dryJson[2]).contains("Dry run of a pipeline failback us-west-2 -> us-east-1");
    assertThat(StreamDrCliTest.run("failback", "-c", c, "--switch-only", "--diverged-topics", "orders")[2])
        .contains("--topics and --diverged-topics are for the pipeline failback; drop --switch-only");

    copyBack(written.subList(2, 4));
    // us-east-1 acknowledged three payments before the outage; one reached us-west-2
    // kept forever: the records carry 2023 timestamps, which a 7-day retention check would delete at any moment
    EAST.createTopic("payments", 1, 1, Map.of("retention.ms", "-1"));
    WEST.createTopic("us-east-1.payments", 1, 1, Map.of("retention.ms", "-1"));
    try (KafkaProducer<String, String> e = new KafkaProducer<>(EAST.clientConfig(), new StringSerializer(), new StringSerializer());
         KafkaProducer<String, String> w = new KafkaProducer<>(WEST.clientConfig(), new StringSerializer(), new StringSerializer())) {
      for (int i = 1; i <= 3; i++) {
        e.send(new ProducerRecord<>("payments", 0, 1_700_000_000_000L + i, "p" + i, "payment-" + i)).get();
      }
      w.send(new ProducerRecord<>("us-east-1.payments", 0, 1_700_000_000_001L, "p1", "payment-1")).get();
    }
    var westOffsets = west.offsets("orders-cdc");
    String[] back = StreamDrCliTest.run("failback", "-c", c, "--pipeline", "--topics", "orders", "--diverged-topics", "payments",
        "--diverged", "export", "--json");
    assertThat(back[0]).as(back[1] + back[2]).isEqualTo("0");
    JsonNode outcome = STRICT.readTree(back[1]);
    assertThat(outcome.path("replication").path("caughtUp").asBoolean()).isTrue();
    assertThat(outcome.path("diverged").path("report").path("records").asLong()).isEqualTo(2);
    assertThat(outcome.path("diverged").path("report").path("byTopicPartition").path("payments-0").asLong()).isEqualTo(2);
    String exported = outcome.path("diverged").path("exportedAs").asText();
    assertThat(exported).startsWith("diverged-tail/failback-");
    assertThat(new String(loaded.backups().readAll(io.streamdr.core.backup.BackupKey.of("diverged-tail", exported.substring("diverged-tail/".length()))), java.nio.charset.StandardCharsets.UTF_8)
        .lines()).hasSize(2);
    assertThat(back[2]).contains("2 diverged record(s)").contains("they stay in us-east-1's topics");
    assertThat(back[2]).contains("Report: pipeline-reports/failback-us-west-2-to-us-east-1-");
    assertThat(loaded.backups().list("pipeline-reports/").stream().map(o -> o.key().toString())
        .filter(k -> k.startsWith("pipeline-reports/failback-")).toList()).as("the refused run's report and this one's").hasSize(2);
    assertThat(outcome.path("connectors").get(0).path("handedOver").asBoolean()).isTrue();
    assertThat(outcome.path("connectors").get(0).path("created").asBoolean()).as("us-east-1 kept its own copy").isFalse();
    assertThat(outcome.path("flink").path("stoppedJob").asText()).isEqualTo(westJob);
    assertThat(outcome.path("flink").path("savepoint").asText()).isNotBlank();
    assertThat(outcome.path("flink").path("started").path("detail").asText()).contains("started from savepoint").contains("all tasks RUNNING");
    assertThat(outcome.path("failback").path("to").asText()).isEqualTo("us-east-1");
    assertThat(outcome.path("failback").path("epoch").asLong()).isEqualTo(3);
    assertThat(outcome.path("completed").asBoolean()).isTrue();
    assertThat(east.describe("orders-cdc").state()).isEqualTo(ConnectorState.RUNNING);
    assertThat(east.offsets("orders-cdc")).as("the position us-west-2's connector stopped at").isEqualTo(westOffsets);
    assertThat(west.describe("orders-cdc").state()).isEqualTo(ConnectorState.STOPPED);
    assertThat(outcome.path("connectors")).hasSize(1);
    assertThat(west.describe("west-own").state()).as("us-west-2's own connector stays").isEqualTo(ConnectorState.RUNNING);
    assertThat(east.connectors()).doesNotContain("west-own");
    assertThat(flink.state(new io.streamdr.core.savepoint.JobRef(westJob))).isEqualTo("FINISHED");
    String eastJob = outcome.path("flink").path("started").path("startedAs").asText();
    assertThat(flink.state(new io.streamdr.core.savepoint.JobRef(eastJob))).isEqualTo("RUNNING");

    // without --pipeline too: a file that describes a pipeline gets the pipeline failback
    String[] again = StreamDrCliTest.run("failback", "-c", c, "--topics", "orders");
    assertThat(again[0]).as(again[2]).isEqualTo("0");
    assertThat(again[1]).contains("The pipeline failback us-west-2 -> us-east-1 at epoch 3 completed at").contains("nothing to do");
    assertThat(flink.state(new io.streamdr.core.savepoint.JobRef(eastJob))).isEqualTo("RUNNING");
    RestClient.of(FLINK.restUrl().toString()).execute(io.streamdr.core.internal.http.RestRequest.patch("/jobs/" + eastJob)
        .query("mode", "cancel").build());
  }

  @Test
  void a_primary_that_does_not_answer_is_named_and_nothing_changes() throws Exception {
    WEST.createTopic("shipments", 1);
    Path cfg = dir.resolve("unreachable.yaml");
    Files.writeString(cfg, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "127.0.0.1:1"}
          - {name: us-west-2, bootstrap: "%s"}
        backups: {directory: "%s"}
        activeRegion: {store: file, path: "%s"}
        """.formatted(WEST.bootstrapServers(), dir.resolve("backups-unreachable"), dir.resolve("unreachable-region.json")));
    assertThat(StreamDrCliTest.run("failover", "-c", cfg.toString(), "--to", "us-west-2")[0]).isEqualTo("0");

    String[] r = StreamDrCliTest.run("failback", "-c", cfg.toString(), "--pipeline", "--topics", "shipments", "--replication-timeout", "1s");

    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("2");
    assertThat(r[2]).contains("Could not measure the replication us-west-2 -> us-east-1 of [shipments]").contains("Nothing was changed");
    assertThat(Files.readString(dir.resolve("unreachable-region.json"))).contains("us-west-2");
  }
}
