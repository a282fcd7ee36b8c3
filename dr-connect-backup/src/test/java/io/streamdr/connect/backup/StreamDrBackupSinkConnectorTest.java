package io.streamdr.connect.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

/** What Connect's validate (PUT /connector-plugins/.../config/validate, and every create) reports. */
class StreamDrBackupSinkConnectorTest {
  private static Map<String, String> valid() {
    Map<String, String> c = new HashMap<>();
    c.put("name", "orders-backup");
    c.put("connector.class", StreamDrBackupSinkConnector.class.getName());
    c.put("topics", "orders");
    c.put("key.converter", BackupSinkConfig.BYTE_ARRAY);
    c.put("value.converter", BackupSinkConfig.BYTE_ARRAY);
    c.put("header.converter", BackupSinkConfig.BYTE_ARRAY);
    c.put("consumer.override.isolation.level", "read_committed");
    c.put("backup.directory", "/backups");
    c.put("source.bootstrap.servers", "kafka:9092");
    return c;
  }

  private static Map<String, List<String>> errors(Map<String, String> config) {
    return new StreamDrBackupSinkConnector().validate(config).configValues().stream().filter(v -> !v.errorMessages().isEmpty())
        .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
  }

  @Test
  void a_complete_configuration_has_no_errors() {
    assertThat(errors(valid())).isEmpty();
  }

  @Test
  void each_missing_piece_is_named_with_what_to_set() {
    Map<String, String> c = valid();
    c.remove("header.converter"); // the worker's SimpleHeaderConverter would turn header bytes into guessed types
    c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    c.remove("consumer.override.isolation.level");
    c.remove("backup.directory");
    c.remove("source.bootstrap.servers");
    c.put("segment.ms", "10");
    Map<String, List<String>> errors = errors(c);
    assertThat(errors).containsOnlyKeys("header.converter", "value.converter", "consumer.override.isolation.level",
        "backup.directory", "source.bootstrap.servers", "segment.ms");
    assertThat(errors.get("header.converter")).singleElement().asString().contains("header.converter=" + BackupSinkConfig.BYTE_ARRAY);
    assertThat(errors.get("consumer.override.isolation.level")).singleElement().asString().contains("read_committed");
    assertThat(errors.get("backup.directory")).singleElement().asString().contains("backup.s3.bucket");
    assertThat(errors.get("segment.ms")).singleElement().asString().contains("at least 100");
  }

  @Test
  void two_targets_or_a_name_with_an_at_sign_are_refused() {
    Map<String, String> c = valid();
    c.put("backup.s3.bucket", "b");
    c.put("backup.name", "orders@east");
    Map<String, List<String>> errors = errors(c);
    assertThat(errors.get("backup.s3.bucket")).singleElement().asString().contains("not both");
    assertThat(errors.get("backup.name")).singleElement().asString().contains("'@'");
  }

  @Test
  void a_connector_started_without_validation_refuses_a_bad_configuration() {
    Map<String, String> c = valid();
    c.remove("key.converter");
    assertThatThrownBy(() -> new StreamDrBackupSinkConnector().start(c)).isInstanceOf(ConnectException.class)
        .hasMessageContaining("orders-backup").hasMessageContaining("key.converter=" + BackupSinkConfig.BYTE_ARRAY);
  }
}
