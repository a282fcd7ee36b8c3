package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.region.Region;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTranslatorTest {
  private static final TopicPartition COPY = new TopicPartition("us-west-2.orders", 0);

  /** A copy that replication appends to between two look-ups, as it does while the consumer switches. */
  private static final class GrowingCopy extends MockConsumer<byte[], byte[]> {
    long end = 40;

    GrowingCopy() {
      super("earliest");
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query, Duration timeout) {
      Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
      query.keySet().forEach(tp -> out.put(tp, null)); // nothing stamped at or after the last record processed, yet
      end += 5; // then the copies of the last processed record and of four after it arrive
      return out;
    }

    @Override
    public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
      Map<TopicPartition, Long> out = new HashMap<>();
      partitions.forEach(tp -> out.put(tp, end));
      return out;
    }
  }

  @Test
  void a_copy_lagging_behind_the_last_record_processed_resumes_where_it_stood_before_anything_newer_arrived() {
    GrowingCopy copy = new GrowingCopy();
    var request = new OffsetTranslator.Request(Region.of("us-west-2", "west:9092"), Region.of("us-east-1", "east:9092"), Optional.of("app"),
        Map.of(COPY, new ConsumedPosition(new TopicPartition("orders", 0), 120, OptionalLong.of(1_000L))), copy, Map.of(), Duration.ofSeconds(1));

    Map<TopicPartition, Translation> translated = OffsetTranslator.timestamps().translate(request);

    // records appended after the look-up found nothing newer are the processed one and those after it: none skipped
    assertThat(translated.get(COPY).offset()).isEqualTo(40);
  }
}
