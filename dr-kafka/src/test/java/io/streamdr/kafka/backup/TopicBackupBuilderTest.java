package io.streamdr.kafka.backup;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.fake.InMemoryBackupTarget;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A setting out of range is refused when it is set, naming it, instead of being clamped to something else. */
class TopicBackupBuilderTest {
  private final TopicBackup.Builder builder = TopicBackup.builder(Map.of("bootstrap.servers", "localhost:9092"),
      new InMemoryBackupTarget());

  @Test
  void threads_below_one_are_refused() {
    assertThatThrownBy(() -> builder.threads(0)).isInstanceOf(InvalidRequestException.class)
        .hasMessage("backup threads must be at least 1, was 0");
  }

  @Test
  void open_segments_below_one_are_refused() {
    assertThatThrownBy(() -> builder.maxOpenSegments(-1)).isInstanceOf(InvalidRequestException.class)
        .hasMessage("max open segments must be at least 1, was -1");
  }

  @Test
  void segments_smaller_than_a_kibibyte_are_refused() {
    assertThatThrownBy(() -> builder.segmentBytes(100)).isInstanceOf(InvalidRequestException.class)
        .hasMessage("segment bytes must be at least 1024, was 100");
  }

  @Test
  void a_compression_level_zstd_does_not_have_is_refused() {
    assertThatThrownBy(() -> builder.compressionLevel(99)).isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("zstd compression level must be between").hasMessageEndingWith("was 99");
  }
}
