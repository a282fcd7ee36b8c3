package io.streamdr.kafka.restore;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.backup.BackupRecord;
import io.streamdr.kafka.internal.Consumers;
import io.streamdr.kafka.restore.RestorePlan.TargetState;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Judges what a target partition holds against the records a restore would write there, by content: empty, exactly
 * a prefix of them (resume after it), all of them (nothing to do), or something else (refuse). Reads the target from
 * where the restore's records would start, stopping at the first record that differs.
 */
final class TargetClassifier {
  private static final Duration STALL = Duration.ofMinutes(1);
  private final Map<String, Object> clientConfig;
  private final KafkaClientFactory clients;

  TargetClassifier(Map<String, Object> clientConfig, KafkaClientFactory clients) {
    this.clientConfig = clientConfig;
    this.clients = clients;
  }

  /** The outcome for one partition: its state, how many of the restore's records it holds, and in words. */
  record Judgement(TargetState state, long held, String detail) {}

  /**
   * @param tp     the target partition
   * @param from   where the restore's records start on the target (its log start, or where an append started)
   * @param end    the target's end offset now
   * @param expected the records the restore writes, in order
   */
  Judgement judge(TopicPartition tp, long from, long end, Iterator<BackupRecord> expected) {
    if (from >= end) {
      return new Judgement(TargetState.EMPTY, 0, "empty");
    }
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"); // anything the partition holds counts
    c.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-restore-check");
    Consumer<byte[], byte[]> consumer = clients.consumer(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      consumer.assign(List.of(tp));
      consumer.seek(tp, from);
      long held = 0;
      long lastProgress = System.nanoTime();
      while (consumer.position(tp) < end) {
        var records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          if (System.nanoTime() - lastProgress > STALL.toNanos()) {
            throw new DrTimeoutException(ResourceType.TOPIC, tp.toString(), STALL, "Reading target partition %s to check what it holds made no progress for %d s; check the target cluster and run the restore again"
                .formatted(tp, STALL.toSeconds()), null);
          }
          continue;
        }
        lastProgress = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
          if (r.offset() >= end) {
            break;
          }
          if (!expected.hasNext()) {
            return new Judgement(TargetState.CONFLICT, 0, ("holds records at offsets %d..%d: every record of the backup and more after "
                + "them, from offset %d").formatted(from, end - 1, r.offset()));
          }
          String differs = difference(expected.next(), r);
          if (differs != null) {
            return new Judgement(TargetState.CONFLICT, 0, ("holds records at offsets %d..%d that are not the backup's: the record at "
                + "offset %d differs from the backup's record #%d in its %s").formatted(from, end - 1, r.offset(), held, differs));
          }
          held++;
        }
      }
      return expected.hasNext()
          ? new Judgement(TargetState.PREFIX, held, "holds the first %d records of the backup (offsets %d..%d)".formatted(held, from, end - 1))
          : new Judgement(TargetState.COMPLETE, held, "already holds all %d records of the backup".formatted(held));
    } finally {
      Consumers.closeNow(consumer);
    }
  }

  /** What differs between a backed-up record and a target record, or null if they are the same record. */
  static String difference(BackupRecord b, ConsumerRecord<byte[], byte[]> t) {
    if (!Arrays.equals(b.key(), t.key())) {
      return "key";
    }
    if (!Arrays.equals(b.value(), t.value())) {
      return "value";
    }
    Header[] headers = t.headers().toArray();
    if (headers.length != b.headers().size()) {
      return "headers";
    }
    for (int i = 0; i < headers.length; i++) {
      Map.Entry<String, byte[]> h = b.headers().get(i);
      if (!h.getKey().equals(headers[i].key()) || !Arrays.equals(h.getValue(), headers[i].value())) {
        return "headers";
      }
    }
    // a topic stamping records on append cannot keep the original timestamp: compare it only where it is kept
    if (t.timestampType() == TimestampType.CREATE_TIME && b.timestamp() != t.timestamp()) {
      return "timestamp";
    }
    return null;
  }
}
