package io.streamdr.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.core.fake.InMemoryConnectorAdmin;
import io.streamdr.core.fake.InMemorySavepointClient;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.savepoint.JobRef;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embedding example's own runbook, run over the fakes as its users' unit tests would. */
class ConnectorMaintenanceRunbookTest {
  private final InMemoryConnectorAdmin connectors = new InMemoryConnectorAdmin();
  private final InMemorySavepointClient savepoints = new InMemorySavepointClient();
  private final InMemoryBackupTarget backups = new InMemoryBackupTarget();
  private JobRef routing;

  @BeforeEach
  void pipeline() {
    connectors.apply(ConnectorSpec.of("pg", Map.of("connector.class", "io.debezium.connector.postgresql.PostgresConnector")));
    connectors.commitOffsets("pg", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 42L)));
    routing = savepoints.startJob("routing");
  }

  @Test
  void it_takes_a_savepoint_keeps_the_exact_offsets_and_leaves_the_connector_running() throws Exception {
    RunbookReport report = ConnectorMaintenanceRunbook.of(connectors, "pg", savepoints, routing, backups).run(RecoveryObjectives.defaults());
    assertThat(report.succeeded()).as(report.toText()).isTrue();
    assertThat(savepoints.list(routing)).hasSize(1);
    assertThat(new String(backups.readAll(BackupKey.of("maintenance", "pg-offsets.txt")), StandardCharsets.UTF_8)).contains("lsn=42");
    assertThat(connectors.describe("pg").state()).isEqualTo(ConnectorState.RUNNING);
  }

  @Test
  void a_failed_backup_write_resumes_the_connector_it_stopped() {
    backups.failNextPublish("disk full");
    RunbookReport report = ConnectorMaintenanceRunbook.of(connectors, "pg", savepoints, routing, backups).run(RecoveryObjectives.defaults());
    assertThat(report.succeeded()).isFalse();
    assertThat(report.toText()).contains("disk full").contains("pg resumed");
    assertThat(connectors.describe("pg").state()).isEqualTo(ConnectorState.RUNNING);
  }
}
