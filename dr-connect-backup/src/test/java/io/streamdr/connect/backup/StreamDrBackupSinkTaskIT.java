package io.streamdr.connect.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.ContinuousBackup;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task's bookkeeping of what is durable, driven as a Connect worker drives it, against a real file system and a
 * real broker (the source the task checks the backup against when it opens a partition).
 */
class StreamDrBackupSinkTaskIT {
  static final TopicPartition TP = new TopicPartition("orders", 0);

  @RegisterExtension
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("sink-task-it").build();

  /** The source partition the records given to the task stand for: 100 records. */
  @BeforeAll
  static void source() {
    source(KAFKA);
  }

  static void source(EmbeddedKafkaCluster kafka) {
    kafka.createTopic(TP.topic(), 1);
    Map<String, String> values = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      values.put("k" + i, "v" + i);
    }
    kafka.produce(TP.topic(), values);
  }

  @TempDir
  Path dir;

  /** A worker's side of the task: the offsets it is asked to rewind to. */
  static final class Context implements SinkTaskContext {
    final Map<TopicPartition, Long> rewound = new HashMap<>();
    long timeoutMs = -1;
    final Metrics metrics = new Metrics();

    @Override public Map<String, String> configs() { return Map.of(); }
    @Override public void offset(Map<TopicPartition, Long> offsets) { rewound.putAll(offsets); }
    @Override public void offset(TopicPartition tp, long offset) { rewound.put(tp, offset); }
    @Override public void timeout(long timeoutMs) { this.timeoutMs = timeoutMs; }
    @Override public Set<TopicPartition> assignment() { return Set.of(TP); }
    @Override public void pause(TopicPartition... partitions) {}
    @Override public void resume(TopicPartition... partitions) {}
    @Override public void requestCommit() {}
    @Override public PluginMetrics pluginMetrics() { return new PluginMetricsImpl(metrics, Map.of()); }
  }

  private Map<String, String> props(long segmentBytes) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "orders-backup");
    p.put("source.bootstrap.servers", KAFKA.bootstrapServers());
    p.put("backup.directory", dir.toString());
    p.put("segment.bytes", String.valueOf(segmentBytes));
    p.put("segment.ms", "3600000");
    return p;
  }

  static StreamDrBackupSinkTask task(Context context, Map<String, String> props) {
    StreamDrBackupSinkTask task = new StreamDrBackupSinkTask();
    task.initialize(context);
    task.start(props);
    task.open(List.of(TP));
    return task;
  }

  static List<SinkRecord> records(long from, long to) {
    List<SinkRecord> out = new ArrayList<>();
    for (long o = from; o < to; o++) {
      ConnectHeaders h = new ConnectHeaders();
      h.addBytes("h", ("x" + o).getBytes(StandardCharsets.UTF_8));
      out.add(new SinkRecord(TP.topic(), TP.partition(), null, ("k" + o).getBytes(StandardCharsets.UTF_8), null,
          ("v" + "-".repeat(200) + o).getBytes(StandardCharsets.UTF_8), o, 1_000L + o, TimestampType.CREATE_TIME, h));
    }
    return out;
  }

  static Map<TopicPartition, OffsetAndMetadata> at(long offset) {
    return Map.of(TP, new OffsetAndMetadata(offset));
  }

  @Test
  void reports_to_connect_only_what_published_segments_hold() {
    Context context = new Context();
    StreamDrBackupSinkTask task = task(context, props(4 * 1024));
    assertThat(context.rewound).as("nothing published yet: Connect's own position stands").isEmpty();
    task.put(records(0, 10)); // below segment.bytes: nothing published
    assertThat(task.preCommit(at(10))).isEmpty();
    task.put(records(10, 40)); // crosses segment.bytes once
    Map<TopicPartition, OffsetAndMetadata> committed = task.preCommit(at(40));
    assertThat(committed).containsOnlyKeys(TP);
    long durable = committed.get(TP).offset();
    assertThat(durable).isBetween(11L, 39L);
    assertThat(new ContinuousBackup(new FileSystemBackupTarget(dir), "orders-backup").resumeOffset(TP)).hasValue(durable);
    task.stop();
  }

  @Test
  void a_task_that_takes_a_partition_over_resumes_where_the_backup_ends_and_writes_no_record_twice() {
    Context first = new Context();
    StreamDrBackupSinkTask a = task(first, props(4 * 1024));
    a.put(records(0, 40));
    long durable = a.preCommit(at(40)).get(TP).offset();
    a.close(List.of(TP)); // a rebalance: the open segment, holding records past what is durable, is abandoned
    a.stop();

    Context second = new Context();
    StreamDrBackupSinkTask b = task(second, props(3 * 1024)); // other segment bounds: a record written twice would overlap
    assertThat(second.rewound).as("rewound to where the backup ends, whatever Connect committed").containsEntry(TP, durable);
    b.put(records(0, 80)); // Connect delivers again from an older committed offset: what the backup holds is skipped
    long end = b.preCommit(at(80)).get(TP).offset();
    b.stop();
    assertThat(end).isGreaterThan(durable);

    long expected = 0;
    for (BackupManifest.SegmentEntry seg : new ContinuousBackup(new FileSystemBackupTarget(dir), "orders-backup").segments(TP)) {
      assertThat(seg.firstOffset()).as("segment %s starts where the one before it ends", seg.key()).isEqualTo(expected);
      assertThat(seg.records()).as("segment %s holds each of its offsets once", seg.key()).isEqualTo(seg.lastOffset() - seg.firstOffset() + 1);
      expected = seg.lastOffset() + 1;
    }
    assertThat(expected).as("the published segments end where the task reported").isEqualTo(end);
  }

  @Test
  void a_writer_that_finds_its_segment_published_by_another_rewinds_to_where_the_backup_ends() {
    // a task that kept running after its partition moved, and the partition's new owner, both from offset 0
    Context zombieContext = new Context();
    StreamDrBackupSinkTask zombie = task(zombieContext, props(3 * 1024));
    StreamDrBackupSinkTask owner = task(new Context(), props(4 * 1024));
    owner.put(records(0, 40));
    long published = owner.preCommit(at(40)).get(TP).offset();
    zombie.put(records(0, 40)); // its first segment starts where the owner's does: abandoned, not published over it
    assertThat(zombieContext.rewound).as("rewound to where the owner's segments end").containsEntry(TP, published);
    assertThat(zombie.preCommit(at(40))).containsEntry(TP, new OffsetAndMetadata(published));
    zombie.put(records(published, 80)); // as Connect delivers after the rewind
    long end = zombie.preCommit(at(80)).get(TP).offset();
    owner.stop();
    zombie.stop();

    long expected = 0;
    for (BackupManifest.SegmentEntry seg : new ContinuousBackup(new FileSystemBackupTarget(dir), "orders-backup").segments(TP)) {
      assertThat(seg.firstOffset()).as("segment %s starts where the one before it ends", seg.key()).isEqualTo(expected);
      expected = seg.lastOffset() + 1;
    }
    assertThat(expected).isEqualTo(end);
  }

  @Test
  void an_open_segment_bounds_the_workers_next_poll_so_it_is_published_on_time_without_new_records() {
    Context context = new Context();
    Map<String, String> props = props(1024 * 1024);
    props.put("segment.ms", "5000");
    StreamDrBackupSinkTask task = task(context, props);
    task.put(records(0, 10));
    assertThat(context.timeoutMs).as("the worker polls again before the segment is due").isBetween(1L, 5000L);
    context.timeoutMs = -1;
    task.preCommit(at(10));
    task.put(List.of()); // a poll that brought nothing: the segment is not due yet, the bound is set again
    assertThat(context.timeoutMs).isBetween(1L, 5000L);
    task.stop();
  }

  @Test
  void a_backup_that_holds_more_of_a_partition_than_the_source_is_not_resumed() {
    StreamDrBackupSinkTask task = task(new Context(), props(1024));
    task.put(records(0, 100));
    task.put(records(100, 140)); // more than the source holds now: as if the topic had been deleted and recreated
    task.preCommit(at(140));
    task.stop();
    StreamDrBackupSinkTask again = new StreamDrBackupSinkTask();
    again.initialize(new Context());
    again.start(props(1024));
    assertThatThrownBy(() -> again.open(List.of(TP))).isInstanceOf(ConnectException.class).hasMessageContaining("orders-0")
        .hasMessageContaining("now ends at 100").hasMessageContaining("deleted and recreated").hasMessageContaining("backup.name");
    again.stop();
  }

  @Test
  void a_record_that_did_not_arrive_as_bytes_fails_the_task_naming_the_converters() {
    StreamDrBackupSinkTask task = task(new Context(), props(4 * 1024));
    SinkRecord json = new SinkRecord(TP.topic(), TP.partition(), null, null, null, Map.of("id", 1), 0L, 1L, TimestampType.CREATE_TIME);
    assertThatThrownBy(() -> task.put(List.of(json))).isInstanceOf(ConnectException.class)
        .hasMessageContaining("orders-0@0").hasMessageContaining("value").hasMessageContaining("value.converter")
        .hasMessageContaining(BackupSinkConfig.BYTE_ARRAY);
    task.stop();
  }
}
