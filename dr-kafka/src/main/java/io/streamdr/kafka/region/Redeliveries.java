package io.streamdr.kafka.region;

import io.streamdr.core.region.Region;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link RegionAwareConsumer} returned last from each partition (its position at a switch), and how many
 * records a switch delivered again: after a switch it looks for the last record processed in the old region among
 * the first records read in the new one, by timestamp, key and value. Owned by the polling thread; the count may be
 * read from any thread.
 */
final class Redeliveries<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(RegionAwareConsumer.class);

  /** The last record returned from a partition, and the offset after it. */
  record Last<K, V>(long next, ConsumerRecord<K, V> record) {}

  /** A search for the last record processed before a switch, up to the new region's end at the switch. */
  private static final class Scan<K, V> {
    final ConsumerRecord<K, V> processed;
    final long end;
    long seen;

    Scan(ConsumerRecord<K, V> processed, long end) {
      this.processed = processed;
      this.end = end;
    }
  }

  private final Map<TopicPartition, Last<K, V>> last = new HashMap<>();
  private final Map<TopicPartition, Scan<K, V>> scans = new HashMap<>();
  private final AtomicLong redelivered = new AtomicLong();

  /** Notes what {@code poll} returned in {@code region}, and counts what a running search meets. */
  void track(ConsumerRecords<K, V> records, Region region) {
    if (records.isEmpty()) {
      return;
    }
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<K, V>> list = records.records(tp);
      ConsumerRecord<K, V> lastRecord = list.get(list.size() - 1);
      last.put(tp, new Last<>(lastRecord.offset() + 1, lastRecord));
      if (!scans.isEmpty()) {
        Scan<K, V> scan = scans.get(tp);
        if (scan != null && scanned(tp, scan, list, region)) {
          scans.remove(tp);
        }
      }
    }
  }

  private boolean scanned(TopicPartition tp, Scan<K, V> scan, List<ConsumerRecord<K, V>> list, Region region) {
    for (ConsumerRecord<K, V> r : list) {
      scan.seen++;
      if (r.timestamp() == scan.processed.timestamp() && Objects.deepEquals(r.key(), scan.processed.key())
          && Objects.deepEquals(r.value(), scan.processed.value())) {
        redelivered.addAndGet(scan.seen);
        LOG.info("{}: {} record(s) processed before the switch were delivered again", tp, scan.seen);
        return true;
      }
      if (r.offset() + 1 >= scan.end) {
        // not met: the consumer resumed right after it (identity, or an exact checkpoint), or it was never replicated;
        // the two cannot be told apart here, so nothing is counted for this partition
        LOG.info("{}: the last record processed before the switch was not met in region {} up to its end at the switch",
            tp, region.name());
        return true;
      }
    }
    return false;
  }

  /** The last record returned from {@code tp}, or null if none was since the last switch or seek. */
  Last<K, V> last(TopicPartition tp) {
    return last.get(tp);
  }

  /** Forgets what was returned from these partitions: the application moved their positions itself. */
  void forget(Collection<TopicPartition> partitions) {
    last.keySet().removeAll(partitions);
  }

  void forgetAll() {
    last.clear();
  }

  /**
   * Starts over after a switch: forgets the old region's records and searches the new one's partitions for the last
   * record processed before it, each up to its end offset at the switch.
   */
  void startOver(Map<TopicPartition, ConsumerRecord<K, V>> processed, Map<TopicPartition, Long> ends) {
    last.clear();
    scans.clear();
    ends.forEach((tp, end) -> scans.put(tp, new Scan<>(processed.get(tp), end)));
  }

  long count() {
    return redelivered.get();
  }
}
