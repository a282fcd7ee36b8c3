package io.streamdr.kafka.verify;

import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Concurrency;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.core.verify.Fingerprinter;
import io.streamdr.core.verify.RecordFingerprint;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.internal.Consumers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads one cluster's side of a verification: every partition range [start, end) with one consumer, fingerprinting
 * records into one bounded queue of batches per partition, each ended by an empty batch. It never waits for a
 * comparator: a partition whose queue is full is paused (its one pending batch kept) and resumed when its comparator
 * has taken from it, so memory stays bounded and a comparator waiting on the other side cannot stall this one.
 */
final class SideReader {
  /**
   * What a side may hold in fingerprints not yet compared: a batch holds at most max.poll.records (2,000)
   * fingerprints of about 48 bytes each (four longs and a boolean with the object header), so 64 MiB spread over
   * the partitions, at least 8 and at most 256 batches each. Deep queues matter: every
   * time a partition's queue is full, its fetching stops and restarts a round trip later.
   */
  private static final long QUEUE_BUDGET_BYTES = 64L * 1024 * 1024;
  private static final long BATCH_BYTES = 2_000L * 48;
  private final Map<String, Object> config;
  private final KafkaClientFactory clients;
  private final Map<TopicPartition, long[]> ranges = new LinkedHashMap<>();
  /** Partitions compared by latest value per key, whose fingerprints need the key's digest. */
  private final Set<TopicPartition> keyed = new HashSet<>();
  private final Map<TopicPartition, BlockingQueue<List<RecordFingerprint>>> queues = new ConcurrentHashMap<>();
  private volatile Future<?> done;
  private ProgressTracker tracker;

  SideReader(Map<String, Object> config, KafkaClientFactory clients) {
    this.config = config;
    this.clients = clients;
  }

  /** Counts what this side reads into {@code tracker}. */
  void track(ProgressTracker tracker) {
    this.tracker = tracker;
  }

  /** Offsets in the ranges added: the records to read, or an upper bound of them. */
  long records() {
    return ranges.values().stream().mapToLong(r -> Math.max(0, r[1] - r[0])).sum();
  }

  int partitions() {
    return ranges.size();
  }

  void add(TopicPartition tp, long start, long end, boolean keyed) {
    ranges.put(tp, new long[] {start, end});
    if (keyed) {
      this.keyed.add(tp);
    }
  }

  /** The records of a partition, once {@link #start} was called. */
  Iterator<RecordFingerprint> records(TopicPartition tp) {
    return new QueueIterator(queues.get(tp), () -> done);
  }

  /** Starts reading everything added; the queues are sized by the number of partitions. */
  void start(ExecutorService pool) {
    int depth = (int) Math.max(8, Math.min(256, QUEUE_BUDGET_BYTES / BATCH_BYTES / Math.max(1, ranges.size())));
    ranges.keySet().forEach(p -> queues.put(p, new ArrayBlockingQueue<>(depth)));
    done = pool.submit(this::read);
  }

  /** Waits until the reader has finished (closed its consumer); rethrows its failure. */
  void await() {
    if (done != null) {
      Concurrency.await(done, "reading a partition");
    }
  }

  private void read() {
    Fingerprinter fingerprinter = new Fingerprinter();
    Map<TopicPartition, List<RecordFingerprint>> pending = new HashMap<>();
    Set<TopicPartition> open = new HashSet<>();
    ranges.forEach((tp, r) -> {
      if (r[0] < r[1]) {
        open.add(tp);
      } else {
        pending.put(tp, List.of()); // nothing to read: only the end batch
      }
    });
    ProgressTracker counted = tracker == null ? new ProgressTracker("verify", "", ProgressListener.NONE, 0, 0) : tracker;
    for (int i = 0; i < ranges.size() - open.size(); i++) {
      counted.partitionDone(); // empty ranges
    }
    Consumer<ByteBuffer, ByteBuffer> c = ClusterCalls.consumer(config, clients);
    try {
      c.assign(open);
      open.forEach(tp -> c.seek(tp, ranges.get(tp)[0]));
      Set<TopicPartition> paused = new HashSet<>();
      long lastProgress = System.nanoTime();
      while (!open.isEmpty() || !pending.isEmpty()) {
        // hand over what waited, then resume the partitions it freed
        pending.entrySet().removeIf(e -> queues.get(e.getKey()).offer(e.getValue()));
        for (Iterator<TopicPartition> it = paused.iterator(); it.hasNext(); ) {
          TopicPartition tp = it.next();
          if (!pending.containsKey(tp)) {
            c.resume(List.of(tp));
            it.remove();
          }
        }
        if (open.isEmpty()) {
          LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
          continue;
        }
        var records = c.poll(Duration.ofMillis(paused.size() == open.size() ? 5 : 200));
        if (!records.isEmpty()) {
          lastProgress = System.nanoTime();
        } else if (paused.size() < open.size() && System.nanoTime() - lastProgress > Duration.ofMinutes(2).toNanos()) {
          throw new DrTimeoutException(ResourceType.TOPIC, open.toString(), Duration.ofMinutes(2), "No progress reading %s for 2 minutes".formatted(open), null);
        }
        for (TopicPartition tp : records.partitions()) {
          long end = ranges.get(tp)[1];
          List<ConsumerRecord<ByteBuffer, ByteBuffer>> list = records.records(tp);
          List<RecordFingerprint> batch = new ArrayList<>(list.size());
          boolean withKey = keyed.contains(tp);
          long bytes = 0;
          for (ConsumerRecord<ByteBuffer, ByteBuffer> r : list) {
            if (r.offset() >= end) {
              break;
            }
            batch.add(fingerprinter.fingerprint(r.offset(), r.key(), r.value(), Consumers.headers(r), r.timestamp(), withKey));
            bytes += (r.key() == null ? 0 : r.key().remaining()) + (r.value() == null ? 0 : r.value().remaining());
          }
          counted.add(batch.size(), bytes);
          if (!batch.isEmpty() && !queues.get(tp).offer(batch)) {
            pending.put(tp, batch);
            c.pause(List.of(tp));
            paused.add(tp);
          }
        }
        for (Iterator<TopicPartition> it = open.iterator(); it.hasNext(); ) {
          TopicPartition tp = it.next();
          if (!pending.containsKey(tp) && c.position(tp) >= ranges.get(tp)[1]) {
            it.remove();
            counted.partitionDone();
            pending.put(tp, List.of()); // the end batch, handed over with the others
            c.pause(List.of(tp));
          }
        }
      }
    } finally {
      Consumers.closeNow(c);
      counted.finish();
    }
  }

  /** Iterates the batches a reader thread puts in a queue, up to its empty end batch; surfaces the reader's failure. */
  private static final class QueueIterator implements Iterator<RecordFingerprint> {
    private final BlockingQueue<List<RecordFingerprint>> q;
    private final Supplier<Future<?>> reader;
    private Iterator<RecordFingerprint> current = Collections.emptyIterator();
    private boolean ended;

    QueueIterator(BlockingQueue<List<RecordFingerprint>> q, Supplier<Future<?>> reader) {
      this.q = q;
      this.reader = reader;
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext()) {
        if (ended) {
          return false;
        }
        try {
          List<RecordFingerprint> batch = q.poll(200, TimeUnit.MILLISECONDS);
          if (batch == null) {
            Future<?> f = reader.get();
            if (f != null && f.isDone()) {
              Concurrency.await(f, "reading a partition"); // throws if the reader failed
              batch = q.poll();
              if (batch == null) {
                ended = true;
                return false;
              }
            } else {
              continue;
            }
          }
          if (batch.isEmpty()) {
            ended = true;
            return false;
          }
          current = batch.iterator();
        } catch (InterruptedException e) {
          throw new DrInterruptedException("verifying", e);
        }
      }
      return true;
    }

    @Override
    public RecordFingerprint next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }
  }
}
