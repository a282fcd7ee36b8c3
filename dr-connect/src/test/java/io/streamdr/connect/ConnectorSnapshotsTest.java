package io.streamdr.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.core.fake.InMemoryConnectorAdmin;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectorSnapshotsTest {
  private final InMemoryConnectorAdmin source = new InMemoryConnectorAdmin();
  private final InMemoryBackupTarget target = new InMemoryBackupTarget();

  private void someConnectors() {
    source.apply(ConnectorSpec.of("pg", Map.of("connector.class", "io.debezium.connector.postgresql.PostgresConnector",
        "database.password", "hunter2", "database.user", "cdc")));
    source.commitOffsets("pg", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 4242)));
    source.apply(ConnectorSpec.of("sink", Map.of("connector.class", "FileStreamSink",
        "aws.secret.access.key", "${file:/etc/secrets.properties:aws}")));
    source.pause("sink");
  }

  @Test
  void secrets_are_redacted_but_externalized_references_kept() {
    someConnectors();
    ConnectorSnapshots.builder(source, target, "east").build().take("s1");
    String json = new String(target.readAll(ConnectorSnapshots.key("s1")), StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("hunter2").contains("[redacted]").contains("${file:/etc/secrets.properties:aws}")
        .contains("\"format\" : \"streamdr-connectors\"").contains("\"version\" : 1");
  }

  @Test
  void restore_recreates_connectors_in_their_states_with_their_offsets() {
    someConnectors();
    ConnectorSnapshots.builder(source, target, "east").build().take("s1");
    InMemoryConnectorAdmin into = new InMemoryConnectorAdmin();
    var outcomes = ConnectorSnapshots.restore(ConnectorSnapshots.read(target, "s1"), into,
        ConnectorSnapshots.RestoreOptions.builder().secret("database.password", Secret.of("hunter2"))
            .override("database.hostname", "pg.us-west-2").build());
    assertThat(outcomes).allSatisfy(o -> assertThat(o.restored()).as(o.detail()).isTrue());
    assertThat(into.describe("pg").state()).isEqualTo(ConnectorState.RUNNING);
    assertThat(into.describe("pg").config()).containsEntry("database.password", "hunter2")
        .containsEntry("database.hostname", "pg.us-west-2");
    assertThat(into.offsets("pg")).isEqualTo(source.offsets("pg"));
    assertThat(into.describe("sink").state()).isEqualTo(ConnectorState.PAUSED);
  }

  @Test
  void a_redacted_secret_not_supplied_fails_that_connector_only_naming_the_key() {
    someConnectors();
    ConnectorSnapshots.builder(source, target, "east").build().take("s1");
    InMemoryConnectorAdmin into = new InMemoryConnectorAdmin();
    var outcomes = ConnectorSnapshots.restore(ConnectorSnapshots.read(target, "s1"), into, ConnectorSnapshots.RestoreOptions.defaults());
    assertThat(outcomes).filteredOn(o -> o.connector().equals("pg")).singleElement().satisfies(o -> {
      assertThat(o.restored()).isFalse();
      assertThat(o.detail()).contains("database.password").contains("RestoreOptions.secret");
    });
    assertThat(outcomes).filteredOn(o -> o.connector().equals("sink")).singleElement()
        .satisfies(o -> assertThat(o.restored()).isTrue());
    assertThat(into.connectors()).containsExactly("sink");
  }

  @Test
  void restoring_over_an_existing_connector_is_refused() {
    someConnectors();
    ConnectorSnapshots.builder(source, target, "east").build().take("s1");
    var outcomes = ConnectorSnapshots.restore(ConnectorSnapshots.read(target, "s1"), source,
        ConnectorSnapshots.RestoreOptions.builder().connectors(java.util.Set.of("sink")).build());
    assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.detail()).contains("already exists"));
  }

  @Test
  void a_tampered_snapshot_fails_its_checksum() {
    someConnectors();
    ConnectorSnapshots.builder(source, target, "east").build().take("s1");
    BackupKey key = ConnectorSnapshots.key("s1");
    String json = new String(target.readAll(key), StandardCharsets.UTF_8).replace("4242", "9999");
    target.put(key, json.getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> ConnectorSnapshots.read(target, "s1")).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("checksum").hasMessageContaining("connectors/s1/snapshot.json");
  }

  @Test
  void a_stop_first_backup_returns_each_connector_to_its_state() {
    someConnectors();
    ConnectorSnapshots.builder(source, target, "east").stopFirst(true).build().take("s2");
    assertThat(source.describe("pg").state()).isEqualTo(ConnectorState.RUNNING);
    assertThat(source.describe("sink").state()).isEqualTo(ConnectorState.PAUSED);
  }

  @Test
  void the_health_probe_names_failed_tasks_and_paused_connectors() {
    someConnectors();
    var probe = new ConnectorHealthProbe(source, List.of(), Clock.systemUTC());
    assertThat(probe.probe().status()).isEqualTo(HealthSignal.Status.DEGRADED);
    source.resume("sink");
    assertThat(probe.probe().healthy()).isTrue();
    source.failTask("pg", 0, "org.postgresql.util.PSQLException: replication slot \"x\" is active\n\tat ...");
    HealthSignal failed = probe.probe();
    assertThat(failed.status()).isEqualTo(HealthSignal.Status.FAILED);
    assertThat(failed.detail()).contains("pg/0 FAILED").contains("replication slot").doesNotContain("\tat");
    assertThat(failed.metrics()).containsEntry("failed_tasks", 1.0);
  }
}
