package io.streamdr.examples.embedding;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.core.fake.InMemoryConnectorAdmin;
import io.streamdr.core.fake.InMemorySavepointClient;
import io.streamdr.core.runbook.Phase;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbook;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.runbook.Step;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A runbook of your own, composed from StreamDR's small interfaces: planned maintenance of the CDC pipeline. It takes
 * a savepoint of the routing job, stops the Debezium connector so its offsets are exact, keeps those offsets in the
 * backups, and resumes the connector; a failed step resumes it again (its compensation). The same code runs against
 * Flink REST, Connect REST and S3 in production and against the in-memory fakes in a unit test, as {@link #main} does.
 */
public final class ConnectorMaintenanceRunbook {
  private ConnectorMaintenanceRunbook() {}

  /** The runbook for {@code connector} and the routing {@code job}, keeping what it records under {@code maintenance/} in {@code backups}. */
  public static Runbook of(ConnectorAdmin connectors, String connector, SavepointClient savepoints, JobRef job, BackupTarget backups) {
    AtomicReference<Savepoint> savepoint = new AtomicReference<>();
    return Runbook.named("planned maintenance: " + connector)
        .step(Step.of("connector running", Phase.DETECTION, () -> {
          ConnectorInfo info = connectors.describe(connector);
          if (info.state() != ConnectorState.RUNNING) {
            throw new IllegalStateException(connector + " is " + info.state() + "; recover it first (streamdr connectors list)");
          }
          return connector + " RUNNING with " + info.tasks().size() + " tasks";
        }))
        .step(Step.of("savepoint of the routing job", Phase.DECISION, () -> {
          savepoint.set(savepoints.take(job, SavepointOptions.defaults(), Duration.ofMinutes(2)));
          return "savepoint " + savepoint.get().location().orElse(savepoint.get().id());
        }).retries(1))
        .step(Step.of("stop the connector", Phase.EXECUTION, () -> {
          connectors.stop(connector);
          connectors.awaitState(connector, i -> i.state() == ConnectorState.STOPPED, Duration.ofMinutes(1));
          return connector + " STOPPED: its offsets are exact";
        }).compensation(() -> {
          connectors.resume(connector);
          return connector + " resumed";
        }))
        .step(Step.of("keep the offsets in the backups", Phase.EXECUTION, () -> {
          ConnectorOffsets offsets = connectors.offsets(connector);
          BackupKey key = BackupKey.of("maintenance", connector + "-offsets.txt");
          backups.write(key, out -> out.write(offsets.toString().getBytes(StandardCharsets.UTF_8)));
          return offsets.offsets().size() + " source partitions kept at " + key;
        }))
        .step(Step.of("resume the connector", Phase.VERIFICATION, () -> {
          connectors.resume(connector);
          connectors.awaitState(connector, i -> i.state() == ConnectorState.RUNNING, Duration.ofMinutes(1));
          return connector + " RUNNING again";
        }));
  }

  /** Runs the runbook over the in-memory fakes and prints its report. */
  public static void main(String[] args) {
    InMemoryConnectorAdmin connectors = new InMemoryConnectorAdmin();
    connectors.apply(ConnectorSpec.of("pg-business-events", Map.of("connector.class", "io.debezium.connector.postgresql.PostgresConnector")));
    connectors.commitOffsets("pg-business-events", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 24_023_128L)));
    InMemorySavepointClient savepoints = new InMemorySavepointClient();
    JobRef routing = savepoints.startJob("routing");
    RunbookReport report = of(connectors, "pg-business-events", savepoints, routing, new InMemoryBackupTarget())
        .run(RecoveryObjectives.defaults());
    System.out.println(report.toText());
  }
}
