package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The commands against real clusters, driven as a user would: arguments in, exit code and output checked. */
class KafkaCommandsIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  @RegisterExtension
  static final EmbeddedS3 S3 = EmbeddedS3.create();

  @TempDir Path dir;

  private String config() throws Exception {
    return TwoRegionConfig.write(dir, "streamdr.yaml", EAST.bootstrapServers(), WEST.bootstrapServers());
  }

  /** Produces the records in order with timestamps 1, 2, 3… so two clusters can hold identical copies. */
  private static void produceStamped(EmbeddedKafkaCluster cluster, String topic, Map<String, String> records) {
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(cluster.clientConfig(),
        new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
      long ts = 1;
      for (Map.Entry<String, String> e : records.entrySet()) {
        producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, ts++, e.getKey(), e.getValue()));
      }
      producer.flush();
    }
  }

  private static Map<String, String> records(String prefix, int n) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      out.put(prefix + i, "value-" + i);
    }
    return out;
  }

  @Test
  void back_up_list_verify_restore_twice_compare_and_prune() throws Exception {
    String cfg = config();
    EAST.createTopic("orders", 2, 1, Map.of("retention.ms", "-1"));
    EAST.produce("orders", records("k", 100));

    String[] backup = StreamDrCliTest.run("backup", "-c", cfg, "--topics", "orders", "--id", "b1");
    assertThat(backup[0]).as(backup[2]).isEqualTo("0");
    assertThat(backup[1]).contains("Backup b1 (FULL) of us-east-1: 100 records in 1 topic,");
    assertThat(backup[2]).as("progress goes to standard error").contains("✔ backup of [orders] from us-east-1").contains(": 100 records");
    String[] again = StreamDrCliTest.run("backup", "-c", cfg, "--topics", "orders", "--id", "b1");
    assertThat(again[0]).isEqualTo("0");
    assertThat(again[1]).contains("Backup b1 (FULL) of us-east-1 was already complete, nothing was backed up again: 100 records");
    String[] other = StreamDrCliTest.run("backup", "-c", cfg, "--topics", "orders,payments", "--id", "b1");
    assertThat(other[0]).isEqualTo("2");
    assertThat(other[2]).contains("Backup b1 is complete as a full backup of [orders]").contains("give the new backup another id");

    assertThat(StreamDrCliTest.run("backups", "list", "-c", cfg)[1]).contains("b1").contains("FULL");
    String[] intact = StreamDrCliTest.run("backups", "verify", "b1", "-c", cfg);
    assertThat(intact[0]).isEqualTo("0");
    assertThat(intact[1]).contains("Backup b1: intact").contains("100 records checked");

    String[] dry = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "b1", "--region", "us-west-2", "--dry-run");
    assertThat(dry[0]).isEqualTo("0");
    assertThat(dry[1]).contains("orders -> orders: 2 partitions, 100 records to write; target: a new topic").contains("Nothing was written.");
    try (var admin = WEST.admin()) {
      assertThat(admin.listTopics().names().get()).doesNotContain("orders");
    }
    String[] restore = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "b1", "--region", "us-west-2", "--parallelism", "2");
    assertThat(restore[0]).as(restore[2]).isEqualTo("0");
    assertThat(restore[1]).contains("100 records written, 0 already there");
    assertThat(StreamDrCliTest.run("restore", "-c", cfg, "--backup", "b1", "--region", "us-west-2")[1])
        .contains("0 records written");

    String[] same = StreamDrCliTest.run("verify", "-c", cfg, "--topics", "orders");
    assertThat(same[0]).as(same[1]).isEqualTo("0");
    assertThat(same[1]).contains("PASSED");
    assertThat(StreamDrCliTest.run("verify", "-c", cfg, "--backup", "b1", "--target", "us-west-2")[0]).isEqualTo("0");
    String[] named = StreamDrCliTest.run("verify", "-c", cfg, "--backup", "b1", "--target", "us-west-2", "--topics", "orders", "--json");
    assertThat(named[0]).as(named[2]).isEqualTo("0");
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(named[1]).path("partitions")).hasSize(2);
    String[] unknown = StreamDrCliTest.run("verify", "-c", cfg, "--backup", "b1", "--target", "us-west-2", "--topics", "invoices");
    assertThat(unknown[0]).isEqualTo("2");
    assertThat(unknown[2]).contains("Backup b1 holds no topic invoices; it holds [orders]");
    EAST.produce("orders", records("late", 5)); // written in us-east-1 only
    String[] behind = StreamDrCliTest.run("verify", "-c", cfg, "--topics", "orders", "--json");
    assertThat(behind[0]).isEqualTo("1");
    assertThat(behind[1]).contains("\"LAG\"");

    // the newest full backup is always kept: a second one makes the first prunable ten years on
    assertThat(StreamDrCliTest.run("backup", "-c", cfg, "--topics", "orders", "--id", "b2")[0]).isEqualTo("0");
    String[] prune = StreamDrCliTest.run("backups", "prune", "-c", cfg, "--dry-run", "--now", "2036-01-01T00:00:00Z");
    assertThat(prune[1]).contains("Dry run: would delete 1 backup(s): [b1]; kept 1: [b2]");
    assertThat(StreamDrCliTest.run("backups", "list", "-c", cfg)[1]).contains("b1");
  }

  @Test
  void failover_and_failback_switch_the_recorded_region_and_a_dry_run_changes_nothing() throws Exception {
    String cfg = config();
    String[] dry = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--dry-run");
    assertThat(dry[0]).isEqualTo("0");
    assertThat(dry[1]).contains("would switch to us-west-2 at epoch 2").contains("Nothing was changed.");
    assertThat(dir.resolve("active-region.json")).doesNotExist();

    String[] over = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--reason", "us-east-1 down");
    assertThat(over[0]).as(over[2]).isEqualTo("0");
    assertThat(over[1]).contains("Switched the active region us-east-1 -> us-west-2 at epoch 2: us-east-1 down");
    assertThat(Files.readString(dir.resolve("active-region.json"))).contains("us-west-2");
    assertThat(StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2")[1]).contains("already the active region (epoch 2)");

    String[] back = StreamDrCliTest.run("failback", "-c", cfg);
    assertThat(back[0]).isEqualTo("0");
    assertThat(back[1]).contains("us-west-2 -> us-east-1 at epoch 3");
  }

  @Test
  void a_planned_failover_drill_switches_verifies_and_fails_back_for_real() throws Exception {
    String cfg = config();
    EAST.createTopic("payments", 1, 1, Map.of());
    WEST.createTopic("payments", 1, 1, Map.of());
    // the replica, as a cluster link keeps it (identity naming): same records, same timestamps
    produceStamped(EAST, "payments", records("p", 50));
    produceStamped(WEST, "payments", records("p", 50));
    Path reports = dir.resolve("reports");

    String[] dry = StreamDrCliTest.run("drill", "-c", cfg, "--topics", "payments", "--dry-run", "--report-dir", reports.toString());
    assertThat(dry[0]).as(dry[1] + dry[2]).isEqualTo("0");
    assertThat(dry[1]).contains("(dry run)").contains("would make us-west-2 the active region");
    assertThat(Files.exists(dir.resolve("active-region.json"))).as("a dry run records nothing").isFalse();

    String[] r = StreamDrCliTest.run("drill", "-c", cfg, "--topics", "payments", "--report-dir", reports.toString());

    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    assertThat(r[1]).contains("== Planned failover drill: us-east-1 -> us-west-2 -> us-east-1")
        .contains("verify data").contains("PASSED: 50 records compared, 0 not yet replicated")
        .contains("failback to us-east-1: objectives MET").contains("Every objective met.");
    assertThat(Files.readString(dir.resolve("active-region.json"))).contains("us-east-1").contains("\"epoch\":3");
    assertThat(Files.readString(reports.resolve("drill-report.json"))).contains("manual failover to us-west-2", "failback to us-east-1");

    EAST.createTopic("ledger", 1, 1, Map.of());
    WEST.createTopic("ledger", 1, 1, Map.of());
    produceStamped(EAST, "ledger", records("l", 10));
    Map<String, String> altered = records("l", 10);
    altered.put("l5", "tampered"); // the replica differs: the verification must fail and the switch be undone
    produceStamped(WEST, "ledger", altered);
    String[] diverged = StreamDrCliTest.run("drill", "-c", cfg, "--topics", "payments,ledger", "--report-dir", reports.toString());
    assertThat(diverged[0]).as(diverged[1]).isEqualTo("1");
    assertThat(diverged[1]).contains("undo switch the router").contains("objectives MISSED");
    assertThat(Files.readString(dir.resolve("active-region.json"))).as("switched back by the compensation").contains("us-east-1");
  }

  @Test
  void backups_go_to_an_s3_bucket_named_in_the_configuration() throws Exception {
    S3.createBucket("dr-backups");
    Path f = dir.resolve("s3.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "%s"}
          - {name: us-west-2, bootstrap: "%s"}
        backups: {s3: {bucket: dr-backups, prefix: streamdr/, endpoint: "%s"}}
        """.formatted(EAST.bootstrapServers(), WEST.bootstrapServers(), S3.endpoint()));
    EAST.createTopic("invoices", 1, 1, Map.of());
    EAST.produce("invoices", records("i", 40));
    // the AWS default credentials chain reads these system properties (as it reads AWS_ACCESS_KEY_ID from the environment)
    System.setProperty("aws.accessKeyId", EmbeddedS3.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", EmbeddedS3.SECRET_KEY);
    try {
      String[] backup = StreamDrCliTest.run("backup", "-c", f.toString(), "--topics", "invoices", "--id", "s3-1");
      assertThat(backup[0]).as(backup[2]).isEqualTo("0");
      assertThat(backup[1]).contains("Backup s3-1 (FULL) of us-east-1: 40 records in 1 topic,");
      assertThat(S3.client().listObjectsV2(b -> b.bucket("dr-backups").prefix("streamdr/")).contents()).isNotEmpty();
      String[] verified = StreamDrCliTest.run("backups", "verify", "s3-1", "-c", f.toString());
      assertThat(verified[0]).as(verified[1] + verified[2]).isEqualTo("0");
      assertThat(verified[1]).contains("Backup s3-1: intact").contains("40 records checked");
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  /** Standard output parsed as exactly one JSON document: nothing before it, nothing after it. */
  private static com.fasterxml.jackson.databind.JsonNode onlyJson(String... args) throws Exception {
    String[] r = StreamDrCliTest.run(args);
    assertThat(r[0]).as("streamdr %s: %s", String.join(" ", args), r[2]).isIn("0", "1");
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(r[1]);
  }

  @Test
  void every_json_output_is_one_json_document_and_nothing_else() throws Exception {
    String cfg = config();
    EAST.createTopic("ledgers", 1, 1, Map.of("retention.ms", "-1"));
    produceStamped(EAST, "ledgers", records("j", 20));
    assertThat(onlyJson("backup", "-c", cfg, "--topics", "ledgers", "--id", "j1", "--json").path("id").asText()).isEqualTo("j1");
    assertThat(onlyJson("backups", "list", "-c", cfg, "--json").isArray()).isTrue();
    assertThat(onlyJson("backups", "verify", "j1", "-c", cfg, "--json").path("ok").asBoolean()).isTrue();
    assertThat(onlyJson("restore", "-c", cfg, "--backup", "j1", "--region", "us-west-2", "--dry-run", "--json")
        .path("partitions").get(0).path("state").asText()).isEqualTo("NEW_TOPIC");
    assertThat(onlyJson("restore", "-c", cfg, "--backup", "j1", "--region", "us-west-2", "--json").path("partitions").get(0)
        .path("produced").asLong()).isEqualTo(20);
    assertThat(onlyJson("verify", "-c", cfg, "--topics", "ledgers", "--json").path("verdict").asText()).isEqualTo("PASSED");
    assertThat(onlyJson("backups", "prune", "-c", cfg, "--json").path("kept").isArray()).isTrue();
    assertThat(onlyJson("connectors", "list", "-c", cfg, "--json").isArray()).isTrue();
    assertThat(onlyJson("failover", "-c", cfg, "--to", "us-west-2", "--dry-run", "--json").path("dryRun").asBoolean()).isTrue();
    var over = onlyJson("failover", "-c", cfg, "--to", "us-west-2", "--json");
    assertThat(over.path("switched").asBoolean()).isTrue();
    assertThat(over.path("to").asText()).isEqualTo("us-west-2");
    assertThat(onlyJson("failback", "-c", cfg, "--json").path("to").asText()).isEqualTo("us-east-1");
    var drill = onlyJson("drill", "-c", cfg, "--topics", "ledgers", "--dry-run", "--json", "--report-dir", dir.resolve("r").toString());
    assertThat(drill.isArray()).isTrue();
    assertThat(drill.size()).isPositive();
  }

  @Test
  void a_bad_configuration_or_region_is_an_error_naming_it() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "primary: us-east-1\nregions:\n  - {name: us-east-1}\n  - {name: us-west-2, bootstrap: x:1}\n");
    String[] r = StreamDrCliTest.run("backup", "-c", bad.toString(), "--topics", "orders");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("'regions[0].bootstrap' is required");
    String[] unknown = StreamDrCliTest.run("failover", "-c", config(), "--to", "eu-west-1");
    assertThat(unknown[0]).isEqualTo("2");
    assertThat(unknown[2]).contains("Region 'eu-west-1' is not in").contains("[us-east-1, us-west-2]");
    assertThat(StreamDrCliTest.run("backup", "-c", config())[0]).isEqualTo("2"); // no topics named: usage error
  }
}
