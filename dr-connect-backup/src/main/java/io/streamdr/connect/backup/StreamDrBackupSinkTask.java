package io.streamdr.connect.backup;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrException;
import io.streamdr.kafka.backup.ContinuousBackup;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the records of its partitions into segments, one open segment per partition, published when it reaches
 * {@code segment.bytes} or {@code segment.ms}. What is durable is what is published: a task that opens a partition
 * resumes one past the last record its published segments hold (whoever wrote them, whatever offsets Connect
 * committed), skips records before it, and reports only published offsets to Connect ({@link #preCommit}). A partition
 * taken away or a task stopped abandons its open segment; the next owner writes those records again from the source.
 */
public final class StreamDrBackupSinkTask extends SinkTask {
  private static final Logger LOG = LoggerFactory.getLogger(StreamDrBackupSinkTask.class);
  private BackupSinkConfig config;
  private ContinuousBackup backup;
  private Admin source;
  /** Per partition: the offset the next record written must have at least (records below are in the backup). */
  private final Map<TopicPartition, Long> next = new HashMap<>();
  /** Per partition: one past the last published record, once known. */
  private final Map<TopicPartition, Long> durable = new HashMap<>();
  private final Map<TopicPartition, ContinuousBackup.Segment> open = new HashMap<>();
  /** Partitions rewound during this put: the rest of the batch for them comes again from the rewound offset. */
  private final Set<TopicPartition> rewinding = new HashSet<>();
  private volatile long recordsWritten;
  private volatile long segmentsPublished;
  private volatile long bytesPublished;
  private volatile long recordsPublished;

  @Override
  public String version() {
    return StreamDrBackupSinkConnector.version(getClass());
  }

  @Override
  public void start(Map<String, String> props) {
    config = new BackupSinkConfig(props);
    backup = new ContinuousBackup(config.target(), BackupSinkConfig.backupName(props));
    source = Admin.create(config.sourceClient());
    PluginMetrics metrics = context.pluginMetrics();
    StreamDrBackupSinkConnector.gauge(metrics, "records-written-total", "Records appended to segments, published or not", () -> recordsWritten);
    StreamDrBackupSinkConnector.gauge(metrics, "records-published-total", "Records in published segments: what is durable in the backup", () -> recordsPublished);
    StreamDrBackupSinkConnector.gauge(metrics, "segments-published-total", "Segments published", () -> segmentsPublished);
    StreamDrBackupSinkConnector.gauge(metrics, "bytes-published-total", "Bytes of published segments, as stored", () -> bytesPublished);
    StreamDrBackupSinkConnector.gauge(metrics, "open-segments", "Segments being written", () -> (long) open.size());
  }

  @Override
  public void open(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OptionalLong> resumes = new HashMap<>();
    for (TopicPartition tp : partitions) {
      try {
        resumes.put(tp, backup.resumeOffset(tp));
      } catch (DrException e) {
        throw new ConnectException("Continuous backup %s could not read what it holds of %s: %s".formatted(backup.name(), tp,
            e.getMessage()), e);
      }
    }
    requireSourceHolds(resumes);
    for (TopicPartition tp : partitions) {
      OptionalLong resume = resumes.get(tp);
      if (resume.isPresent()) {
        context.offset(tp, resume.getAsLong()); // where the backup ends, not where Connect's committed offset says
        next.put(tp, resume.getAsLong());
        durable.put(tp, resume.getAsLong());
        LOG.info("Continuous backup {}: {} resumes at offset {}", backup.name(), tp, resume.getAsLong());
      } else {
        next.put(tp, 0L);
      }
    }
  }

  /**
   * Refuses to go on where the backup holds more of a partition than the source does: the topic was deleted and
   * recreated, or the partition lost records (an unclean leader election). Resuming would skip the new records the
   * backup's offsets already cover.
   */
  private void requireSourceHolds(Map<TopicPartition, OptionalLong> resumes) {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    resumes.forEach((tp, r) -> r.ifPresent(x -> latest.put(tp, OffsetSpec.latest())));
    if (latest.isEmpty()) {
      return;
    }
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends;
    try {
      ends = source.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while reading the end offsets of " + latest.keySet(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new ConnectException(("Continuous backup %s could not read the end offsets of %s from the source cluster (%s); check "
          + "source.bootstrap.servers and that its brokers are up").formatted(backup.name(), latest.keySet(), e.getMessage()), e);
    }
    ends.forEach((tp, end) -> {
      long resume = resumes.get(tp).getAsLong();
      if (resume > end.offset()) {
        throw new ConnectException(("Continuous backup %s holds %s up to offset %d but the partition now ends at %d: the topic was "
            + "deleted and recreated, or lost records. The backup keeps what it holds; back the topic up under another "
            + "backup.name (or remove it from topics) to go on").formatted(backup.name(), tp, resume - 1, end.offset()));
      }
    });
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    rewinding.clear();
    TopicPartition tp = null;
    long written = 0;
    for (SinkRecord r : records) {
      if (tp == null || tp.partition() != r.originalKafkaPartition() || !tp.topic().equals(r.originalTopic())) {
        tp = new TopicPartition(r.originalTopic(), r.originalKafkaPartition()); // a batch comes partition by partition
      }
      long offset = r.originalKafkaOffset();
      if (offset < next.getOrDefault(tp, 0L) || rewinding.contains(tp)) {
        continue; // delivered again after a rewind (the backup holds it), or to be delivered again from the rewound offset
      }
      ContinuousBackup.Segment seg = open.get(tp);
      try {
        if (seg == null) {
          seg = backup.startSegment(tp, offset, config.compressionLevel());
          open.put(tp, seg);
        }
        seg.write(offset, r.timestamp() == null ? -1 : r.timestamp(), timestampType(r.timestampType()), bytes(r.key(), "key", r),
            bytes(r.value(), "value", r), headers(r));
      } catch (DrException e) {
        throw failed(tp, e);
      }
      next.put(tp, offset + 1);
      written++;
      if (seg.uncompressedBytes() >= config.segmentBytes()) {
        publish(tp);
      }
    }
    recordsWritten += written;
    publishAged();
    wakeForOldestSegment();
  }

  /**
   * Bounds the worker's next poll by when the oldest open segment reaches {@code segment.ms}: with no new records the
   * worker would otherwise wait up to {@code offset.flush.interval.ms} before calling the task again, and the segment
   * would be published that much later. Connect calls {@link #put} after each poll, with no records if none came.
   */
  private void wakeForOldestSegment() {
    open.values().stream().map(ContinuousBackup.Segment::age).max(Duration::compareTo).ifPresent(age ->
        context.timeout(Math.max(10, config.segmentAge().minus(age).toMillis())));
  }

  private static byte timestampType(TimestampType t) {
    return (byte) (t == null ? TimestampType.NO_TIMESTAMP_TYPE.id : t.id);
  }

  private static byte[] bytes(Object o, String what, SinkRecord r) {
    if (o == null || o instanceof byte[]) {
      return (byte[]) o;
    }
    throw notBytes(what, o, r);
  }

  private static ConnectException notBytes(String what, Object o, SinkRecord r) {
    return new ConnectException(("Record %s-%d@%d: its %s reached the backup as %s, not bytes; set the connector's "
        + "key.converter, value.converter and header.converter to %s").formatted(r.topic(), r.kafkaPartition(), r.kafkaOffset(),
        what, o.getClass().getSimpleName(), BackupSinkConfig.BYTE_ARRAY));
  }

  private static List<Map.Entry<String, byte[]>> headers(SinkRecord r) {
    if (r.headers().isEmpty()) {
      return List.of();
    }
    List<Map.Entry<String, byte[]>> out = new ArrayList<>(r.headers().size());
    for (Header h : r.headers()) {
      if (h.value() != null && !(h.value() instanceof byte[])) {
        throw notBytes("header '" + h.key() + "'", h.value(), r);
      }
      out.add(new AbstractMap.SimpleImmutableEntry<>(h.key(), (byte[]) h.value()));
    }
    return out;
  }

  private ConnectException failed(TopicPartition tp, DrException e) {
    // the open segment is abandoned; a restarted task writes its records again from what was published
    abort(tp);
    return new ConnectException(("Continuous backup %s could not write %s: %s; the task stops, and once the cause is fixed a restart "
        + "(POST /connectors/<name>/restart?includeTasks=true&onlyFailed=true on the Connect REST API) resumes where the "
        + "backup ends").formatted(backup.name(), tp, e.getMessage()), e);
  }

  private void publish(TopicPartition tp) {
    ContinuousBackup.Segment seg = open.remove(tp);
    try {
      ContinuousBackup.Published done = seg.publish();
      durable.put(tp, done.nextOffset());
      segmentsPublished++;
      recordsPublished += done.records();
      bytesPublished += done.bytes();
    } catch (ConflictException e) {
      // another writer published this segment's start: resume where the published segments end, and take nothing more
      // of this partition from the batch being put (its records follow the abandoned ones)
      long resume = backup.resumeOffset(tp).orElseThrow();
      LOG.warn("Continuous backup {}: {}; {} resumes at offset {}", backup.name(), e.getMessage(), tp, resume);
      next.put(tp, resume);
      durable.put(tp, resume);
      rewinding.add(tp);
      context.offset(tp, resume);
    } catch (DrException e) {
      seg.abort();
      throw failed(tp, e);
    }
  }

  private void publishAged() {
    for (TopicPartition tp : List.copyOf(open.keySet())) {
      if (open.get(tp).age().compareTo(config.segmentAge()) >= 0) {
        publish(tp);
      }
    }
  }

  /** Publishes segments that are old enough and reports what is published: Connect commits only that. */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    publishAged();
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    currentOffsets.keySet().forEach(tp -> {
      Long d = durable.get(tp);
      if (d != null) {
        out.put(tp, new OffsetAndMetadata(d));
      }
    });
    return out;
  }

  @Override
  public void flush(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    // preCommit decides what is committed; nothing is forced out early
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    partitions.forEach(tp -> {
      abort(tp);
      next.remove(tp);
      durable.remove(tp);
    });
  }

  private void abort(TopicPartition tp) {
    ContinuousBackup.Segment seg = open.remove(tp);
    if (seg != null) {
      seg.abort();
      next.put(tp, durable.getOrDefault(tp, 0L));
    }
  }

  @Override
  public void stop() {
    List.copyOf(open.keySet()).forEach(this::abort);
    if (source != null) {
      source.close(java.time.Duration.ofSeconds(5));
    }
  }
}
