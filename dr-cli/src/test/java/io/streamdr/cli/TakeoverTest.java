package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TakeoverTest {
  @TempDir Path dir;

  private StreamDrConfig config(String westRegistry) throws Exception {
    Path f = dir.resolve("streamdr.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "east:9092", schemaRegistry: "http://registry.east:8081/apis/ccompat/v7"}
          - {name: us-west-2, bootstrap: "west:9092"%s}
        replication: identity
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        """.formatted(westRegistry == null ? "" : ", schemaRegistry: \"" + westRegistry + "\"", dir.resolve("active.json"), dir.resolve("b")));
    return StreamDrConfig.load(f, Map.of());
  }

  private static ConnectorSnapshot snapshot(Map<String, String> debezium) {
    return new ConnectorSnapshot("s", Instant.EPOCH, "us-east-1", List.of(
        new ConnectorSnapshot.Entry("pg", debezium, ConnectorState.RUNNING, ConnectorOffsets.empty()),
        new ConnectorSnapshot.Entry("sink", Map.of("connector.class", "FileStreamSink", "value.converter.schema.registry.url",
            "http://elsewhere:8081"), ConnectorState.RUNNING, ConnectorOffsets.empty())));
  }

  @Test
  void converter_settings_naming_the_registry_of_the_region_taken_over_from_name_the_other_regions_keeping_their_path() throws Exception {
    StreamDrConfig cfg = config("https://registry.west:8443/apis/ccompat/v7");
    Takeover.Repointed r = Takeover.pointAtRegistry(cfg, snapshot(Map.of("connector.class", "PostgresConnector",
        "value.converter.apicurio.registry.url", "http://registry.east:8081/apis/registry/v2",
        "key.converter.schema.registry.url", "http://registry.east:8081,http://registry.east2:8081",
        "database.hostname", "http://registry.east:8081")), "us-east-1", "us-west-2");

    Map<String, String> pg = r.snapshot().connectors().get(0).config();
    assertThat(pg).containsEntry("value.converter.apicurio.registry.url", "https://registry.west:8443/apis/registry/v2")
        .containsEntry("key.converter.schema.registry.url", "https://registry.west:8443,http://registry.east2:8081")
        .as("only converter registry settings").containsEntry("database.hostname", "http://registry.east:8081");
    assertThat(r.snapshot().connectors().get(1).config()).as("another registry's URL is left")
        .containsEntry("value.converter.schema.registry.url", "http://elsewhere:8081");
    assertThat(r.settings()).containsExactlyInAnyOrder("pg.value.converter.apicurio.registry.url", "pg.key.converter.schema.registry.url");
    assertThat(r.detail("us-west-2")).startsWith("2 connector setting(s) pointed at us-west-2's Schema Registry");
  }

  @Test
  void without_a_registry_in_the_region_taking_over_nothing_is_changed() throws Exception {
    ConnectorSnapshot s = snapshot(Map.of("value.converter.apicurio.registry.url", "http://registry.east:8081/apis/registry/v2"));
    Takeover.Repointed r = Takeover.pointAtRegistry(config(null), s, "us-east-1", "us-west-2");
    assertThat(r.snapshot()).isSameAs(s);
    assertThat(r.settings()).isEmpty();
    assertThat(r.detail("us-west-2")).isEqualTo("no connector setting names a Schema Registry of the region taken over from");
  }
}
