package io.streamdr.core.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.DrTimeoutException;

import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.RestartOptions;
import io.streamdr.core.http.Sleeper;
import io.streamdr.testing.ConnectorAdminContract;
import io.streamdr.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryConnectorAdminTest extends ConnectorAdminContract {
  private final InMemoryConnectorAdmin admin = new InMemoryConnectorAdmin();

  @Override
  protected ConnectorAdmin admin() {
    return admin;
  }

  @Override
  protected ConnectorSpec connector(String name) {
    return ConnectorSpec.of(name, Map.of("connector.class", "FileStreamSource", "tasks.max", "2",
        "file", "/data/in.txt", "topic", "lines"));
  }

  @Override
  protected ConnectorOffsets sampleOffsets(String name) {
    return ConnectorOffsets.of(Map.of("filename", "/data/in.txt"), Map.of("position", 42));
  }

  @Test
  void awaiting_a_state_that_never_comes_gives_up_at_the_deadline_of_the_clock_it_is_given() {
    admin.apply(connector("pg"));
    MutableClock clock = new MutableClock();
    List<Duration> pauses = new ArrayList<>();
    Sleeper sleeper = d -> {
      pauses.add(d);
      clock.advance(d);
    };

    assertThatThrownBy(() -> admin.awaitState("pg", i -> i.state() == ConnectorState.PAUSED, Duration.ofSeconds(2), clock, sleeper))
        .isInstanceOf(DrTimeoutException.class).hasMessageContaining("Connector 'pg'").hasMessageContaining("RUNNING");
    assertThat(pauses).as("growing pauses, at most 500 ms").startsWith(Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100)).endsWith(Duration.ofMillis(500));
    assertThat(pauses.stream().reduce(Duration.ZERO, Duration::plus)).isGreaterThan(Duration.ofSeconds(2));
  }

  @Test
  void restarting_failed_instances_brings_back_only_the_failed_task() {
    admin.apply(connector("pg"));
    admin.failTask("pg", 1, "replication slot missing");
    ConnectorInfo failed = admin.describe("pg");
    assertThat(failed.anyFailed()).isTrue();
    assertThat(failed.tasks().get(1).trace()).contains("replication slot missing");
    admin.restart("pg", RestartOptions.FAILED);
    assertThat(admin.describe("pg").fullyRunning()).isTrue();
    assertThat(admin.restartCount("pg")).isEqualTo(1);
  }

  @Test
  void a_connector_only_restart_leaves_failed_tasks_failed() {
    admin.apply(connector("pg"));
    admin.failTask("pg", 0, "boom");
    admin.restart("pg", RestartOptions.CONNECTOR_ONLY);
    assertThat(admin.describe("pg").tasks().get(0).state()).isEqualTo(ConnectorState.FAILED);
  }

  @Test
  void committed_offsets_survive_deletion_and_recreation() {
    admin.apply(connector("src"));
    admin.commitOffsets("src", sampleOffsets("src"));
    admin.delete("src");
    admin.apply(connector("src"));
    assertThat(admin.offsets("src")).isEqualTo(sampleOffsets("src"));
  }

  @Test
  void secrets_in_config_are_not_shown_by_toString() {
    admin.apply(ConnectorSpec.of("db", Map.of("connector.class", "X", "database.password", "hunter2")));
    assertThat(admin.describe("db").toString()).doesNotContain("hunter2").contains("[redacted]");
  }
}
