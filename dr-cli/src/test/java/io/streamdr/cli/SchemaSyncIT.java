package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.cli.agent.JobScheduler;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.testing.MutableClock;
import io.streamdr.testkit.EmbeddedSchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The agent's {@code schemas} job with {@code into}: the secondary's registry kept in sync with the primary's, ids and all. */
class SchemaSyncIT {
  @RegisterExtension
  static final EmbeddedSchemaRegistry EAST = EmbeddedSchemaRegistry.create("us-east-1");
  @RegisterExtension
  static final EmbeddedSchemaRegistry WEST = EmbeddedSchemaRegistry.create("us-west-2");

  @TempDir Path dir;

  private Path config(String job) throws Exception {
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "localhost:1", schemaRegistry: "%s"}
          - {name: us-west-2, bootstrap: "localhost:2", schemaRegistry: "%s"}
        replication: identity
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        agent:
          jobs:
            - {name: schemas, cron: "0 * * * *", schemas: %s}
        """.formatted(EAST.url(), WEST.url(), dir.resolve("active-region.json"), dir.resolve("backups"), job));
    return f;
  }

  @Test
  void each_run_restores_what_the_primary_registered_into_the_secondary_with_its_ids_and_only_once() throws Exception {
    StreamDrConfig cfg = StreamDrConfig.load(config("{into: us-west-2}"), Map.of());
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    List<JobScheduler.Run> runs = new ArrayList<>();
    JobScheduler agent = SchemaCommandsIT.agent(cfg, clock, runs);

    int v1 = SchemaCommandsIT.register(EAST, "orders-value", "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");
    agent.runDue();
    int v2 = SchemaCommandsIT.register(EAST, "orders-value", "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
        + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}]}");
    clock.set(Instant.parse("2026-12-01T01:00:00Z"));
    agent.runDue();

    assertThat(runs).hasSize(2).allSatisfy(r -> assertThat(r.ok()).as(r.detail()).isTrue());
    assertThat(runs.get(0).detail()).contains("1 of 1 version(s) registered with their ids, 0 there already");
    assertThat(runs.get(1).detail()).as("only what is new").contains("1 of 2 version(s) registered with their ids, 1 there already");
    RestClient west = RestClient.of(WEST.url().toString());
    assertThat(west.get("/schemas/ids/" + v1).path("schema").asText()).doesNotContain("note");
    assertThat(west.get("/schemas/ids/" + v2).path("schema").asText()).contains("note");
  }
}
