package io.streamdr.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.RestartOptions;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.testing.ConnectorAdminContract;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectRestAdminIT extends ConnectorAdminContract {
  @RegisterExtension
  @org.junit.jupiter.api.Order(1)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("connect-admin-it").build();

  @RegisterExtension
  @org.junit.jupiter.api.Order(2)
  static final EmbeddedConnect CONNECT = EmbeddedConnect.on(KAFKA, "admin-it");

  static Path dir;
  static RestEndpoint rest;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("connect-admin-it");
    rest = RestEndpoint.of(CONNECT.restUrl().toString());
  }


  @Override
  protected ConnectorAdmin admin() {
    return new ConnectRestAdmin(rest);
  }

  @Override
  protected ConnectorSpec connector(String name) {
    return ConnectorSpec.of(name, Map.of(
        "connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max", "1",
        "file", dir.resolve(name + ".txt").toString(),
        "topic", "contract-" + name,
        "topic.creation.default.replication.factor", "1",
        "topic.creation.default.partitions", "1"));
  }

  @Override
  protected ConnectorOffsets sampleOffsets(String name) {
    return ConnectorOffsets.of(Map.of("filename", dir.resolve(name + ".txt").toString()), Map.of("position", 5));
  }

  @Test
  void a_failed_task_is_reported_with_its_trace_and_restarted_once_its_cause_is_fixed() throws Exception {
    ConnectorAdmin admin = admin();
    Path out = dir.resolve("sink-out");
    Files.createDirectories(out); // a directory where the sink expects a file: its task fails on start
    KAFKA.createTopic("sink-in", 1);
    admin.apply(ConnectorSpec.of("file-sink", Map.of(
        "connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "tasks.max", "1", "topics", "sink-in", "file", out.toString())));
    ConnectorInfo failed = admin.awaitState("file-sink", ConnectorInfo::anyFailed, Duration.ofSeconds(60));
    assertThat(failed.tasks().get(0).state()).isEqualTo(ConnectorState.FAILED);
    assertThat(failed.tasks().get(0).trace()).hasValueSatisfying(t -> assertThat(t).contains("sink-out"));
    HealthSignal signal = new ConnectorHealthProbe(admin, List.of("file-sink"), Clock.systemUTC()).probe();
    assertThat(signal.status()).isEqualTo(HealthSignal.Status.FAILED);
    assertThat(signal.detail()).contains("file-sink/0 FAILED");

    Files.delete(out);
    admin.restart("file-sink", RestartOptions.FAILED);
    admin.awaitState("file-sink", ConnectorInfo::fullyRunning, Duration.ofSeconds(60));
    assertThat(new ConnectorHealthProbe(admin, List.of("file-sink"), Clock.systemUTC()).probe().healthy()).isTrue();
  }

  @Test
  void the_worker_version_is_readable() {
    assertThat(new ConnectRestAdmin(rest).version()).hasValueSatisfying(v -> assertThat(v).startsWith("4.3"));
  }
}
