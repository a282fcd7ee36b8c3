package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.ConflictException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.RestartOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ConnectorAdmin} must do. Implementations provide the admin, a connector spec that runs on their
 * platform, and offsets valid for that connector.
 */
public abstract class ConnectorAdminContract {

  protected abstract ConnectorAdmin admin();

  /** A connector that runs on this platform, named {@code name}. */
  protected abstract ConnectorSpec connector(String name);

  /** Offsets valid for {@link #connector(String)}. */
  protected abstract ConnectorOffsets sampleOffsets(String name);

  protected Duration timeout() {
    return Duration.ofSeconds(60);
  }

  private String uniqueName() {
    return "contract-" + Long.toHexString(System.nanoTime());
  }

  private ConnectorInfo awaitRunning(ConnectorAdmin admin, String name) {
    return admin.awaitState(name, ConnectorInfo::fullyRunning, timeout());
  }

  @Test
  void apply_creates_a_running_connector_that_is_listed_and_described() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    ConnectorSpec spec = connector(name);
    admin.apply(spec);
    ConnectorInfo info = awaitRunning(admin, name);
    assertThat(admin.connectors()).contains(name);
    assertThat(info.config()).containsEntry("connector.class", spec.config().get("connector.class"));
    assertThat(info.tasks()).isNotEmpty();
  }

  @Test
  void apply_of_an_existing_connector_updates_its_config() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name));
    awaitRunning(admin, name);
    Map<String, String> changed = new HashMap<>(connector(name).config());
    changed.put("errors.log.enable", "true");
    admin.apply(ConnectorSpec.of(name, changed));
    ConnectorInfo info = admin.awaitState(name, i -> "true".equals(i.config().get("errors.log.enable")), timeout());
    assertThat(info.config()).containsEntry("errors.log.enable", "true");
  }

  @Test
  void pause_and_resume_move_the_connector_and_its_tasks() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name));
    awaitRunning(admin, name);
    admin.pause(name);
    admin.awaitState(name, i -> i.state() == ConnectorState.PAUSED
        && i.tasks().stream().allMatch(t -> t.state() == ConnectorState.PAUSED), timeout());
    admin.resume(name);
    awaitRunning(admin, name);
  }

  @Test
  void offsets_given_as_long_numbers_are_altered_and_read_back_with_the_same_values() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name));
    awaitRunning(admin, name);
    admin.stop(name);
    admin.awaitState(name, i -> i.state() == ConnectorState.STOPPED && i.tasks().isEmpty(), timeout());
    // what a checkpoint read back from JSON, or an application, may hold: small numbers as Long
    ConnectorOffsets.Offset sample = sampleOffsets(name).offsets().get(0);
    java.util.Map<String, Object> widened = new java.util.LinkedHashMap<>();
    sample.offset().forEach((k, v) -> widened.put(k, v instanceof Integer i ? Long.valueOf(i) : v));
    admin.alterOffsets(name, new ConnectorOffsets(java.util.List.of(new ConnectorOffsets.Offset(sample.partition(), widened))));
    ConnectorOffsets.Offset read = admin.offsets(name).offsets().stream().filter(o -> o.partition().equals(sample.partition()))
        .findFirst().orElseThrow();
    widened.forEach((k, v) -> assertThat(read.offset().get(k) instanceof Number n ? n.longValue() : read.offset().get(k))
        .as("offset %s", k).isEqualTo(v));
  }

  @Test
  void offsets_can_be_altered_only_while_stopped() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name));
    awaitRunning(admin, name);
    assertThatThrownBy(() -> admin.alterOffsets(name, sampleOffsets(name)))
        .isInstanceOf(ConflictException.class).hasMessageContaining(name);
    admin.stop(name);
    // a STOPPED connector has no tasks (Connect may report the state before it removes the task records)
    ConnectorInfo stopped = admin.awaitState(name, i -> i.state() == ConnectorState.STOPPED && i.tasks().isEmpty(), timeout());
    assertThat(stopped.tasks()).isEmpty();
    admin.alterOffsets(name, sampleOffsets(name));
    assertThat(admin.offsets(name).offsets()).containsAll(sampleOffsets(name).offsets());
    admin.resetOffsets(name);
    assertThat(admin.offsets(name).isEmpty()).isTrue();
    admin.resume(name);
    awaitRunning(admin, name);
  }

  @Test
  void stop_alter_resume_moves_a_running_connector_s_offsets_and_leaves_it_running() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name));
    awaitRunning(admin, name);
    admin.stopAlterResume(name, sampleOffsets(name), timeout());
    assertThat(admin.offsets(name).offsets()).containsAll(sampleOffsets(name).offsets());
    awaitRunning(admin, name);
  }

  @Test
  void a_connector_created_stopped_has_no_tasks_until_resumed() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name).withInitialState(ConnectorState.STOPPED));
    ConnectorInfo info = admin.awaitState(name, i -> i.state() == ConnectorState.STOPPED && i.tasks().isEmpty(), timeout());
    assertThat(info.tasks()).isEmpty();
    admin.resume(name);
    awaitRunning(admin, name);
  }

  @Test
  void restarting_only_failed_instances_of_a_healthy_connector_keeps_it_running() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name));
    awaitRunning(admin, name);
    admin.restart(name, RestartOptions.FAILED);
    assertThat(awaitRunning(admin, name).anyFailed()).isFalse();
  }

  @Test
  void delete_removes_the_connector() {
    ConnectorAdmin admin = admin();
    String name = uniqueName();
    admin.apply(connector(name));
    awaitRunning(admin, name);
    admin.delete(name);
    assertThat(admin.connectors()).doesNotContain(name);
    assertThatThrownBy(() -> admin.describe(name)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void operations_on_an_unknown_connector_name_it() {
    ConnectorAdmin admin = admin();
    assertThatThrownBy(() -> admin.describe("no-such-connector"))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("no-such-connector");
    assertThatThrownBy(() -> admin.pause("no-such-connector")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> admin.offsets("no-such-connector")).isInstanceOf(NotFoundException.class);
  }
}
