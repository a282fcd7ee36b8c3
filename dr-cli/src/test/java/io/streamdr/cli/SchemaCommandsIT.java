package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamdr.cli.agent.AgentJobs;
import io.streamdr.cli.agent.JobScheduler;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.kafka.metrics.KafkaMeters;
import io.streamdr.kafka.schema.SchemaBackup;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.testing.MutableClock;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedSchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backup --schemas}, {@code verify --schemas}, {@code restore --schemas} and the schemas of the pipeline checkpoint,
 * failover and failback between two real Schema Registries (Apicurio Registry's Confluent-compatible API), driven as a
 * user would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // one pair of registries: the first test counts from empty
class SchemaCommandsIT {
  @RegisterExtension
  static final EmbeddedSchemaRegistry EAST = EmbeddedSchemaRegistry.create("us-east-1");
  @RegisterExtension
  static final EmbeddedSchemaRegistry WEST = EmbeddedSchemaRegistry.create("us-west-2");
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST_KAFKA = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST_KAFKA = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  @TempDir Path dir;

  private String config(boolean westRegistry) throws Exception {
    Path f = dir.resolve("streamdr.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "%s", schemaRegistry: "%s"}
          - {name: us-west-2, bootstrap: "%s"%s}
        replication: identity
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        """.formatted(EAST_KAFKA.bootstrapServers(), EAST.url(), WEST_KAFKA.bootstrapServers(), westRegistry ? ", schemaRegistry: {url: \"" + WEST.url() + "\"}" : "",
        dir.resolve("active-region.json"), dir.resolve("backups")));
    return f.toString();
  }

  private static void register(String subject, String schema) {
    register(EAST, subject, schema);
  }

  static int register(EmbeddedSchemaRegistry registry, String subject, String schema) {
    return RestClient.of(registry.url().toString()).post("/subjects/" + subject + "/versions", Map.of("schema", schema)).path("id").asInt();
  }

  /** An agent running the jobs of {@code cfg} on {@code clock}, each finished run added to {@code runs}. */
  static JobScheduler agent(StreamDrConfig cfg, MutableClock clock, List<JobScheduler.Run> runs) {
    DefaultRegionRouter router = new DefaultRegionRouter(cfg.topology(), cfg.activeRegionStore(), clock);
    AgentJobs work = new AgentJobs(cfg, cfg.backups(), router, new KafkaMeters(new SimpleMeterRegistry(), clock),
        name -> ProgressListener.NONE, (name, report) -> { }, clock);
    return new JobScheduler(cfg.agent().jobs().stream().map(work::job).toList(), cfg.backups(), "agent-a", clock, runs::add);
  }

  /** The schema versions a registry holds now, over every subject. */
  private static int versions(EmbeddedSchemaRegistry registry) {
    return SchemaBackup.of(RestEndpoint.of(registry.url().toString()), new InMemoryBackupTarget()).capture("count").versions();
  }

  private static String activeRegion(String cfg) {
    StreamDrConfig c = StreamDrConfig.load(Path.of(cfg), Map.of());
    return c.activeRegionStore().read().map(a -> a.region()).orElse(c.topology().primary()); // none recorded: the primary
  }

  @Test
  @Order(1)
  void the_schemas_are_backed_up_compared_restored_with_their_ids_and_compared_again() throws Exception {
    register("orders-value", "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");
    register("orders-value", "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
        + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}]}");
    register("payments-value", "{\"type\":\"record\",\"name\":\"Payment\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");
    String cfg = config(true);

    String[] backup = StreamDrCliTest.run("backup", "-c", cfg, "--schemas", "--id", "s1");
    assertThat(backup[0]).as(backup[2]).isEqualTo("0");
    assertThat(backup[1]).contains("Schema snapshot s1 of us-east-1").contains(": 2 subjects, 3 versions with their ids");
    String[] again = StreamDrCliTest.run("backup", "-c", cfg, "--schemas", "--id", "s1", "--json");
    assertThat(again[0]).as(again[2]).isEqualTo("0");
    assertThat(Json.MAPPER.readTree(again[1]).path("schemas").path("versions").asInt()).isEqualTo(3);

    String[] differ = StreamDrCliTest.run("verify", "-c", cfg, "--schemas", "--json");
    assertThat(differ[0]).as(differ[2]).isEqualTo("1");
    JsonNode report = Json.MAPPER.readTree(differ[1]);
    assertThat(report.path("identical").asBoolean()).isFalse();
    assertThat(report.path("differences")).extracting(d -> d.path("kind").asText() + " " + d.path("subject").asText())
        .containsExactly("MISSING_SUBJECT orders-value", "MISSING_SUBJECT payments-value");

    String[] restore = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "s1", "--region", "us-west-2", "--schemas", "--json");
    assertThat(restore[0]).as(restore[2]).isEqualTo("0");
    JsonNode restored = Json.MAPPER.readTree(restore[1]).path("schemas");
    assertThat(restored.path("outcomes")).hasSize(3).allSatisfy(o -> assertThat(o.path("restored").asBoolean()).isTrue());
    assertThat(restored.path("importMode").asBoolean()).isFalse();

    String[] same = StreamDrCliTest.run("verify", "-c", cfg, "--schemas");
    assertThat(same[0]).as(same[1] + same[2]).isEqualTo("0");
    assertThat(same[1]).contains("Schema Registry of us-east-1 compared with us-west-2's: IDENTICAL (2 subjects, 3 versions)");

    String[] twice = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "s1", "--region", "us-west-2", "--schemas");
    assertThat(twice[0]).as(twice[2]).isEqualTo("0");
    assertThat(twice[1]).contains("0 versions registered with their ids, 3 already there");
  }

  @Test
  @Order(2)
  void topics_and_their_schemas_are_backed_up_and_restored_under_one_id_schemas_first() throws Exception {
    String cfg = config(true);
    EAST_KAFKA.createTopic("orders", 1, 1, Map.of("retention.ms", "-1"));
    EAST_KAFKA.produce("orders", Map.of("k1", "v1", "k2", "v2"));
    String[] backup = StreamDrCliTest.run("backup", "-c", cfg, "--topics", "orders", "--schemas", "--id", "b2", "--json");
    assertThat(backup[0]).as(backup[2]).isEqualTo("0");
    JsonNode both = Json.MAPPER.readTree(backup[1]);
    assertThat(both.path("backup").path("id").asText()).isEqualTo("b2");
    assertThat(both.path("schemas").path("versions").asInt()).isEqualTo(3);
    String[] again = StreamDrCliTest.run("backup", "-c", cfg, "--topics", "orders", "--schemas", "--id", "b2");
    assertThat(again[1]).contains("Backup b2 (FULL) of us-east-1 was already complete, nothing was backed up again: 2 records")
        .contains("Schema snapshot b2 of us-east-1").contains("was already taken, nothing was taken again");

    String[] restore = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "b2", "--region", "us-west-2", "--schemas", "--json");
    assertThat(restore[0]).as(restore[2]).isEqualTo("0");
    JsonNode restored = Json.MAPPER.readTree(restore[1]);
    assertThat(restored.path("schemas").path("outcomes")).hasSize(3)
        .allSatisfy(o -> assertThat(o.path("detail").asText()).startsWith("already there")); // restored by the first test
    assertThat(restored.path("topics").path("partitions")).singleElement().satisfies(p -> assertThat(p.path("produced").asLong()).isEqualTo(2));
    assertThat(WEST_KAFKA.read("orders", 2, java.time.Duration.ofSeconds(30))).extracting(r -> r.key()).containsExactlyInAnyOrder("k1", "k2");
  }

  @Test
  @Order(3)
  void the_agent_snapshots_the_active_regions_registry_on_its_schedule() throws Exception {
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, Files.readString(Path.of(config(true))) + """
        agent:
          jobs:
            - {name: schemas, cron: "0 * * * *", schemas: {}}
        """);
    StreamDrConfig cfg = StreamDrConfig.load(file, Map.of());
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    List<JobScheduler.Run> runs = new ArrayList<>();
    JobScheduler agent = agent(cfg, clock, runs);

    register("agent-value", "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");
    agent.runDue();
    int first = SchemaBackup.read(cfg.backups(), "schemas-20261201T0000Z").versions();
    register("agent-value", "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
        + "{\"name\":\"b\",\"type\":[\"null\",\"long\"],\"default\":null}]}");
    clock.set(Instant.parse("2026-12-01T01:00:00Z"));
    agent.runDue();

    assertThat(runs).hasSize(2).allSatisfy(r -> assertThat(r.ok()).as(r.detail()).isTrue());
    assertThat(runs.get(0).detail()).startsWith("schema snapshot schemas-20261201T0000Z of us-east-1: ");
    assertThat(SchemaBackup.read(cfg.backups(), "schemas-20261201T0100Z").versions()).as("the new version is in the next snapshot")
        .isEqualTo(first + 1);
  }

  @Test
  @Order(4)
  void a_region_without_a_registry_is_named_with_the_key_to_add() throws Exception {
    String cfg = config(false);
    String[] r = StreamDrCliTest.run("verify", "-c", cfg, "--schemas");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("'regions[1].schemaRegistry' is required for --schemas (region us-west-2)");
    Path agent = dir.resolve("agent.yaml");
    Files.writeString(agent, Files.readString(Path.of(cfg)) + """
        agent:
          jobs:
            - {name: schemas, cron: "0 * * * *", schemas: {}}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(agent, Map.of())).hasMessageContaining("agent.jobs[0].schemas")
        .hasMessageContaining("needs a Schema Registry in region us-west-2: add 'schemaRegistry: URL' to regions[1]");
    String[] absent = StreamDrCliTest.run("restore", "-c", config(true), "--backup", "nope", "--region", "us-west-2", "--schemas");
    assertThat(absent[0]).isEqualTo("2");
    assertThat(absent[2]).contains("No schema snapshot 'nope' in the backups; take one with 'streamdr backup --schemas --id nope'");
    String[] none = StreamDrCliTest.run("backup", "-c", cfg);
    assertThat(none[0]).isEqualTo("2");
    assertThat(none[2]).contains("or back up the schemas with --schemas");
  }

  @Test
  @Order(5)
  void a_pipeline_failover_restores_the_checkpoints_schemas_before_the_switch_and_the_failback_brings_back_what_the_secondary_registered()
      throws Exception {
    String cfg = config(true);
    int east = versions(EAST);
    String[] first = StreamDrCliTest.run("checkpoint", "-c", cfg, "--region", "us-east-1", "--no-connectors", "--json");
    assertThat(first[0]).as(first[2]).isEqualTo("0");
    String snapshot = Json.MAPPER.readTree(first[1]).path("schemas").asText();
    assertThat(snapshot).startsWith("pipeline-us-east-1-");
    assertThat(SchemaBackup.read(StreamDrConfig.load(Path.of(cfg), Map.of()).backups(), snapshot).versions()).isEqualTo(east);
    String[] unchanged = StreamDrCliTest.run("checkpoint", "-c", cfg, "--region", "us-east-1", "--no-connectors");
    assertThat(unchanged[0]).as(unchanged[2]).isEqualTo("0");
    assertThat(unchanged[1]).as("an unchanged registry names the snapshot before").contains("schema snapshot " + snapshot);

    String[] plan = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--dry-run");
    assertThat(plan[0]).as(plan[2]).isEqualTo("0");
    assertThat(plan[1]).contains("1. restore schema snapshot " + snapshot + " (" + east + " version(s) of ")
        .contains("into us-west-2's Schema Registry at " + WEST.url().toString().replaceAll("/$", "") + ", keeping their ids").contains("2. switch the active region");
    int west = versions(WEST);
    String[] failover = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--json");
    assertThat(failover[0]).as(failover[1] + failover[2]).isEqualTo("0");
    JsonNode done = Json.MAPPER.readTree(failover[1]);
    assertThat(done.path("failover").path("switched").asBoolean()).isTrue();
    assertThat(done.path("schemas").path("error").isNull()).as(done.toString()).isTrue();
    assertThat(done.path("schemas").path("restored").asInt()).as("those the earlier tests had not restored").isEqualTo(east - west)
        .isPositive();
    assertThat(activeRegion(cfg)).isEqualTo("us-west-2");
    String[] same = StreamDrCliTest.run("verify", "-c", cfg, "--schemas");
    assertThat(same[0]).as(same[1] + same[2]).isEqualTo("0");

    // while us-west-2 is active its connectors register a new version there
    int newId = register(WEST, "orders-value", "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
        + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"total\",\"type\":[\"null\",\"long\"],\"default\":null}]}");
    String[] back = StreamDrCliTest.run("failback", "-c", cfg, "--pipeline", "--json");
    assertThat(back[0]).as(back[1] + back[2]).isEqualTo("0");
    JsonNode schemasBack = Json.MAPPER.readTree(back[1]).path("schemas");
    assertThat(schemasBack.path("snapshot").asText()).startsWith("failback-us-west-2-");
    assertThat(schemasBack.path("restored").asInt()).isEqualTo(1);
    assertThat(activeRegion(cfg)).isEqualTo("us-east-1");
    assertThat(RestClient.of(EAST.url().toString()).get("/schemas/ids/" + newId).path("schema").asText()).as("the new version under its id")
        .contains("total");
    String[] identical = StreamDrCliTest.run("verify", "-c", cfg, "--schemas");
    assertThat(identical[0]).as(identical[1] + identical[2]).isEqualTo("0");
  }

  @Test
  @Order(6)
  void a_failover_into_a_registry_that_gave_a_checkpointed_id_to_another_schema_is_refused_before_the_switch() throws Exception {
    String cfg = config(true);
    int id = register(EAST, "refunds-value", "{\"type\":\"record\",\"name\":\"Refund\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");
    String[] checkpoint = StreamDrCliTest.run("checkpoint", "-c", cfg, "--region", "us-east-1", "--no-connectors");
    assertThat(checkpoint[0]).as(checkpoint[2]).isEqualTo("0");
    assertThat(register(WEST, "audit-value", "{\"type\":\"record\",\"name\":\"Audit\",\"fields\":[{\"name\":\"at\",\"type\":\"long\"}]}"))
        .as("the secondary gave the same id to another schema").isEqualTo(id);

    String[] noRegistry = StreamDrCliTest.run("failover", "-c", config(false), "--to", "us-west-2", "--pipeline");
    assertThat(noRegistry[0]).isEqualTo("2");
    assertThat(noRegistry[2]).contains("names schema snapshot pipeline-us-east-1-").contains("but regions[1] (us-west-2) has no schemaRegistry");
    cfg = config(true); // the same file, with us-west-2's registry again
    String[] refused = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--json");
    assertThat(refused[0]).as(refused[1] + refused[2]).isEqualTo("1");
    JsonNode outcome = Json.MAPPER.readTree(refused[1]);
    assertThat(outcome.path("failover").path("switched").asBoolean()).isFalse();
    assertThat(outcome.path("schemas").path("error").asText()).contains("id " + id + " is another schema there than refunds-value version 1's")
        .contains("nothing was written");
    assertThat(refused[2]).contains("Not switched: the schemas above are not in us-west-2's registry");
    assertThat(activeRegion(cfg)).isEqualTo("us-east-1");
  }

  @Test
  @Order(7)
  void a_failback_into_a_primary_that_gave_an_id_of_the_secondary_to_another_schema_is_refused_and_the_secondary_stays_active()
      throws Exception {
    String cfg = config(true); // since the test before, us-west-2's registry holds audit-value under an id us-east-1 gave refunds-value
    String[] moved = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--switch-only");
    assertThat(moved[0]).as(moved[1] + moved[2]).isEqualTo("0");
    int east = versions(EAST);

    String[] back = StreamDrCliTest.run("failback", "-c", cfg, "--pipeline", "--json");
    assertThat(back[0]).as(back[1] + back[2]).isEqualTo("1");
    JsonNode outcome = Json.MAPPER.readTree(back[1]);
    assertThat(outcome.path("failback").path("switched").asBoolean()).isFalse();
    assertThat(outcome.path("schemas").path("snapshot").asText()).startsWith("failback-us-west-2-");
    assertThat(outcome.path("schemas").path("error").asText()).contains("audit-value version 1").contains("nothing was written");
    assertThat(back[2]).contains("Nothing was switched back").contains("us-west-2 stays active");
    assertThat(activeRegion(cfg)).isEqualTo("us-west-2");
    assertThat(versions(EAST)).as("nothing registered in us-east-1").isEqualTo(east);
  }

  @Test
  @Order(8)
  void a_checkpoint_whose_registry_cannot_be_reached_names_it_and_the_flag_that_leaves_it_out_and_writes_nothing() throws Exception {
    String cfg = config(true);
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, Files.readString(Path.of(cfg)).replace(EAST.url().toString(), "http://127.0.0.1:" + closedPort + "/apis/ccompat/v7"));
    Path checkpoints = dir.resolve("backups/pipeline/us-east-1");
    List<String> before = listing(checkpoints);

    String[] failed = StreamDrCliTest.run("checkpoint", "-c", broken.toString(), "--region", "us-east-1", "--no-connectors");
    assertThat(failed[0]).isEqualTo("2");
    assertThat(failed[2]).contains("Could not snapshot the Schema Registry of us-east-1 at http://127.0.0.1:" + closedPort)
        .contains("so none was written").contains("'streamdr checkpoint --region us-east-1 --no-schemas'");
    assertThat(listing(checkpoints)).isEqualTo(before);

    String[] without = StreamDrCliTest.run("checkpoint", "-c", broken.toString(), "--region", "us-east-1", "--no-connectors", "--no-schemas",
        "--json");
    assertThat(without[0]).as(without[2]).isEqualTo("0");
    assertThat(Json.MAPPER.readTree(without[1]).path("schemas").isTextual()).as(without[1]).isFalse();
    assertThat(listing(checkpoints)).hasSize(before.size() + 1);
  }

  private static List<String> listing(Path dir) throws java.io.IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
