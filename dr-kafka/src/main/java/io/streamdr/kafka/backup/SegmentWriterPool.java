package io.streamdr.kafka.backup;

import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Concurrency;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The threads that serialize, compress and hash a backup's segments. Each owns a fixed set of partitions, so every
 * partition is written in order; the polling thread hands them record batches, bounded in bytes (it waits when the
 * writers are behind), and each keeps at most its share of open segments (the least recently written is published
 * early). What each writer publishes is added to {@code done}.
 */
final class SegmentWriterPool {
  /** Bytes of record batches handed to writers and not yet written: bounds memory whatever the topic. */
  private static final int IN_FLIGHT_KIB = 64 * 1024;

  private final List<Writer> writers = new ArrayList<>();
  private final Map<TopicPartition, Writer> owner = new HashMap<>();

  /**
   * @param partitions the partitions to write, shared round-robin among at most {@code threads} writers
   * @param done       where each published segment's stats are added, per partition (thread-safe lists)
   */
  SegmentWriterPool(BackupTarget target, String backupId, List<TopicPartition> partitions, int threads, int maxOpenSegments,
      long segmentBytes, int compressionLevel, Map<TopicPartition, List<SegmentStats>> done) {
    int count = Math.max(1, Math.min(threads, partitions.size()));
    for (int i = 0; i < count; i++) {
      writers.add(new Writer(new OpenSegments(target, backupId, done, Math.max(1, maxOpenSegments / count), segmentBytes,
          compressionLevel)));
    }
    for (int i = 0; i < partitions.size(); i++) {
      owner.put(partitions.get(i), writers.get(i % count));
    }
  }

  /**
   * Hands {@code records} (in offset order, after any given before for {@code tp}) to the partition's writer.
   *
   * @param bytes the records' keys and values together, as the caller counted them
   */
  void write(TopicPartition tp, List<ConsumerRecord<ByteBuffer, ByteBuffer>> records, long bytes) {
    owner.get(tp).write(tp, records, bytes);
  }

  /** Publishes the open segment of {@code tp}, after everything handed over for it. */
  void close(TopicPartition tp) {
    owner.get(tp).close(tp);
  }

  /** Throws the first failure of any writer. */
  void rethrow() {
    for (Writer w : writers) {
      RuntimeException e = w.failure.get();
      if (e != null) {
        throw e;
      }
    }
  }

  /** Publishes every open segment and stops the writers; throws the first failure of any. */
  void finish() {
    for (Writer w : writers) {
      w.finish();
    }
    rethrow();
  }

  /** Stops the writers and discards every open segment. */
  void abort() {
    writers.forEach(Writer::abort);
  }

  /** A single thread that writes the segments of the partitions it owns. */
  private static final class Writer {
    private final OpenSegments open;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(Concurrency.daemon("streamdr-backup-writer"));
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT_KIB);
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    Writer(OpenSegments open) {
      this.open = open;
    }

    void write(TopicPartition tp, List<ConsumerRecord<ByteBuffer, ByteBuffer>> records, long bytes) {
      long held = bytes + 64L * records.size(); // and each record's frame and objects
      int permits = (int) Math.min(IN_FLIGHT_KIB, Math.max(1, held >> 10));
      inFlight.acquireUninterruptibly(permits);
      submit(() -> {
        try {
          for (ConsumerRecord<ByteBuffer, ByteBuffer> r : records) {
            open.write(tp, r);
          }
        } finally {
          inFlight.release(permits);
        }
      });
    }

    void close(TopicPartition tp) {
      submit(() -> open.close(tp));
    }

    private void submit(Runnable task) {
      thread.execute(() -> {
        if (failure.get() != null) {
          return;
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      });
    }

    void finish() {
      submit(open::closeAll);
      thread.shutdown();
      try {
        if (!thread.awaitTermination(1, TimeUnit.HOURS)) {
          throw new DrTimeoutException(ResourceType.BACKUP, "writer", Duration.ofHours(1), "Backup writer did not finish within an hour");
        }
      } catch (InterruptedException e) {
        throw new DrInterruptedException("finishing a backup", e);
      }
    }

    void abort() {
      thread.shutdownNow();
      try {
        thread.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      open.abortAll();
    }
  }

  /** Segments being written by one writer, at most {@code limit} at once (least recently used is published early). */
  private static final class OpenSegments {
    private final BackupTarget target;
    private final String backupId;
    private final Map<TopicPartition, List<SegmentStats>> done;
    private final int limit;
    private final long segmentBytes;
    private final int compressionLevel;
    private final LinkedHashMap<TopicPartition, SegmentFile> open = new LinkedHashMap<>(16, 0.75f, true);

    OpenSegments(BackupTarget target, String backupId, Map<TopicPartition, List<SegmentStats>> done, int limit, long segmentBytes,
        int compressionLevel) {
      this.target = target;
      this.backupId = backupId;
      this.done = done;
      this.limit = limit;
      this.segmentBytes = segmentBytes;
      this.compressionLevel = compressionLevel;
    }

    void write(TopicPartition tp, ConsumerRecord<ByteBuffer, ByteBuffer> r) {
      SegmentFile segment = open.get(tp);
      if (segment == null) {
        if (open.size() >= limit) {
          close(open.keySet().iterator().next());
        }
        segment = new SegmentFile(target, PublishedSegments.key(backupId, tp, r.offset()), compressionLevel);
        open.put(tp, segment);
      }
      segment.write(r);
      if (segment.uncompressedBytes() >= segmentBytes) {
        close(tp);
      }
    }

    void close(TopicPartition tp) {
      SegmentFile segment = open.remove(tp);
      if (segment != null) {
        done.get(tp).add(segment.publish());
      }
    }

    void closeAll() {
      for (TopicPartition tp : new ArrayList<>(open.keySet())) {
        close(tp);
      }
    }

    void abortAll() {
      open.values().forEach(SegmentFile::abort);
      open.clear();
    }
  }
}
