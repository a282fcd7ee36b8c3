package io.streamdr.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import org.junit.jupiter.api.Test;

class BackupKeyTest {
  @Test
  void of_joins_segments_and_resolve_appends() {
    BackupKey k = BackupKey.of("topics", "orders");
    assertThat(k.value()).isEqualTo("topics/orders");
    assertThat(k.resolve("manifest.json").name()).isEqualTo("manifest.json");
    assertThat(k.segments()).containsExactly("topics", "orders");
  }

  @Test
  void blank_empty_segments_and_control_characters_are_refused() {
    assertThatThrownBy(() -> new BackupKey(" ")).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> new BackupKey("a//b")).hasMessageContaining("empty segment");
    assertThatThrownBy(() -> new BackupKey("a/")).hasMessageContaining("empty segment");
    assertThatThrownBy(() -> new BackupKey("a\nb")).hasMessageContaining("control character");
    assertThatThrownBy(() -> new BackupKey("./a")).hasMessageContaining("'.'");
  }

  @Test
  void keys_sort_by_value() {
    assertThat(new BackupKey("a/b")).isLessThan(new BackupKey("a/c"));
  }
}
