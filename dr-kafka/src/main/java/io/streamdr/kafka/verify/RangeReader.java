package io.streamdr.kafka.verify;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.verify.Fingerprinter;
import io.streamdr.core.verify.RecordFingerprint;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.internal.Consumers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads one source partition from the cut onwards, up to its end when first asked, as fingerprints; opened only if
 * a target has records past the compared range.
 */
final class RangeReader implements AutoCloseable {
  private final Map<String, Object> config;
  private final TopicPartition tp;
  private final long from;
  private final boolean keyed;
  private final KafkaClientFactory clients;
  private Consumer<ByteBuffer, ByteBuffer> consumer;

  RangeReader(Map<String, Object> config, KafkaClientFactory clients, TopicPartition tp, long from, boolean keyed) {
    this.config = config;
    this.clients = clients;
    this.tp = tp;
    this.from = from;
    this.keyed = keyed;
  }

  Iterator<RecordFingerprint> open() {
    consumer = ClusterCalls.consumer(config, clients);
    consumer.assign(List.of(tp));
    long end = consumer.endOffsets(List.of(tp), ClusterCalls.apiTimeout(config)).get(tp);
    consumer.seek(tp, from);
    Fingerprinter fingerprinter = new Fingerprinter();
    return new Iterator<>() {
      private Iterator<ConsumerRecord<ByteBuffer, ByteBuffer>> batch = Collections.emptyIterator();
      private ConsumerRecord<ByteBuffer, ByteBuffer> next;
      private long idleSince = System.nanoTime();

      @Override
      public boolean hasNext() {
        while (next == null) {
          if (batch.hasNext()) {
            ConsumerRecord<ByteBuffer, ByteBuffer> r = batch.next();
            if (r.offset() < end) {
              next = r;
            }
            continue;
          }
          if (consumer.position(tp) >= end) {
            return false;
          }
          var records = consumer.poll(Duration.ofMillis(200));
          if (records.isEmpty() && System.nanoTime() - idleSince > Duration.ofMinutes(2).toNanos()) {
            throw new DrTimeoutException(ResourceType.TOPIC, tp.toString(), Duration.ofMinutes(2), "No progress reading %s past the cut for 2 minutes".formatted(tp), null);
          }
          idleSince = records.isEmpty() ? idleSince : System.nanoTime();
          batch = records.records(tp).iterator();
        }
        return true;
      }

      @Override
      public RecordFingerprint next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        ConsumerRecord<ByteBuffer, ByteBuffer> r = next;
        next = null;
        return fingerprinter.fingerprint(r.offset(), r.key(), r.value(), Consumers.headers(r), r.timestamp(), keyed);
      }
    };
  }

  @Override
  public void close() {
    if (consumer != null) {
      Consumers.closeNow(consumer);
    }
  }
}
