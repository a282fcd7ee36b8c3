package io.streamdr.kafka.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints of a continuous backup from its published segments, and their thinning, on a real file system. */
class ContinuousBackupTest {
  private static final TopicPartition TP = new TopicPartition("orders", 0);
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private static final List<BackupManifest.TopicEntry> ORDERS = List.of(
      new BackupManifest.TopicEntry("orders", "topic-id", 1, 1, Map.of(), List.of()));

  @TempDir Path dir;
  private FileSystemBackupTarget target;
  private MutableClock clock;
  private ContinuousBackup backup;
  private long next;

  @BeforeEach
  void setUp() {
    target = new FileSystemBackupTarget(dir);
    clock = new MutableClock(T0);
    backup = new ContinuousBackup(target, "orders-backup", clock);
  }

  /** Publishes a segment of {@code records} records from {@code first}. */
  private void segment(long first, int records) {
    ContinuousBackup.Segment s = backup.startSegment(TP, first, 1);
    for (long o = first; o < first + records; o++) {
      s.write(o, clock.millis(), (byte) 0, null, ("v" + o).getBytes(StandardCharsets.UTF_8), List.of());
    }
    s.publish();
    next = Math.max(next, first + records);
  }

  private BackupManifest checkpoint(long logStart) {
    return backup.checkpoint(clock.instant(), "cluster", ORDERS, Map.of(TP, logStart), Map.of());
  }

  private BackupManifest.PartitionEntry partition(BackupManifest m) {
    return m.topics().get(0).partitions().get(0);
  }

  @Test
  void a_checkpoint_lists_the_published_segments_and_leaves_out_those_retention_deleted_from_the_source() {
    segment(0, 10);
    segment(10, 10);
    segment(20, 10);
    BackupManifest all = checkpoint(0);
    assertThat(partition(all).records()).isEqualTo(30);
    assertThat(partition(all).endOffset()).isEqualTo(30);
    assertThat(new BackupCatalog(target).verify(all.id()).ok()).isTrue();

    clock.advance(Duration.ofSeconds(1));
    BackupManifest later = checkpoint(15); // the source deleted offsets 0..14: the first segment is gone from the topic
    assertThat(partition(later).startOffset()).isEqualTo(10);
    assertThat(partition(later).segments()).extracting(BackupManifest.SegmentEntry::firstOffset).containsExactly(10L, 20L);
    assertThat(backup.resumeOffset(TP)).hasValue(30);
  }

  @Test
  void a_segment_written_again_inside_others_is_listed_once_and_an_overlapping_one_ends_the_list() {
    segment(0, 10);
    segment(10, 10);
    segment(12, 5); // a writer that kept running after its partition moved: records the segments before hold
    BackupManifest m = checkpoint(0);
    assertThat(partition(m).records()).isEqualTo(partition(m).endOffset() - partition(m).startOffset());
    segment(25, 10);
    segment(30, 10); // overlaps 25..34
    clock.advance(Duration.ofSeconds(1));
    BackupManifest overlapped = checkpoint(0);
    assertThat(partition(overlapped).segments()).extracting(BackupManifest.SegmentEntry::firstOffset).doesNotContain(30L);
    assertThat(partition(overlapped).records()).as("no record twice").isEqualTo(
        partition(overlapped).segments().stream().mapToLong(s -> s.lastOffset() - s.firstOffset() + 1).sum());
  }

  @Test
  void a_segment_whose_stats_beside_it_describe_another_is_read_for_what_it_holds() throws Exception {
    segment(0, 10);
    segment(10, 5);
    // another writer's stats of a longer segment from offset 10, published beside this one
    var key = new io.streamdr.core.backup.BackupKey("continuous-backups/orders-backup/data/orders/0/00000000000000000010.seg");
    SegmentStats foreign = new SegmentStats(key.value(), 10, 19, 10, 0, 0, 999_999, "0".repeat(64));
    target.put(PublishedSegments.sidecar(key), io.streamdr.core.internal.Json.MAPPER.writeValueAsBytes(foreign));
    assertThat(backup.segments(TP)).extracting(BackupManifest.SegmentEntry::records).containsExactly(10L, 5L);
    BackupManifest m = checkpoint(0);
    assertThat(partition(m).endOffset()).isEqualTo(15);
    assertThat(new BackupCatalog(target).verify(m.id()).ok()).isTrue();
  }

  @Test
  void a_segment_is_never_published_over_another_writers() {
    segment(0, 10);
    ContinuousBackup.Segment late = backup.startSegment(TP, 0, 1);
    late.write(0, 1, (byte) 0, null, new byte[] {1}, List.of());
    assertThatThrownBy(late::publish).isInstanceOf(io.streamdr.core.ConflictException.class)
        .hasMessageContaining("00000000000000000000.seg").hasMessageContaining("orders-0");
    assertThat(backup.segments(TP)).singleElement().satisfies(s -> assertThat(s.records()).isEqualTo(10));
  }

  @Test
  void thinning_keeps_every_checkpoint_at_first_then_the_first_of_each_hour_then_of_each_day_and_the_newest() {
    // every one for 2 hours, hourly for a day, daily for 3 days; a checkpoint every 15 minutes for 4 days
    ContinuousBackup.Thinning thinning = new ContinuousBackup.Thinning(Duration.ofHours(2), Duration.ofDays(1), Duration.ofDays(3));
    for (int i = 0; i < 4 * 96; i++) {
      if (i % 10 == 0) {
        segment(next, 2);
      }
      checkpoint(0);
      clock.advance(Duration.ofMinutes(15));
    }
    Instant now = clock.instant();
    ContinuousBackup.PruneResult dry = backup.prune(thinning, now, true);
    assertThat(backup.checkpointIds()).as("a dry run deletes nothing").hasSize(4 * 96);
    ContinuousBackup.PruneResult r = backup.prune(thinning, now, false);
    assertThat(r.deleted()).isEqualTo(dry.deleted());
    var kept = backup.checkpointIds();
    assertThat(kept.values()).containsExactlyElementsOf(r.kept());
    long recent = kept.keySet().stream().filter(at -> !at.isBefore(now.minus(Duration.ofHours(2)))).count();
    long hourly = kept.keySet().stream().filter(at -> at.isBefore(now.minus(Duration.ofHours(2))) && !at.isBefore(now.minus(Duration.ofDays(1)))).count();
    long daily = kept.keySet().stream().filter(at -> at.isBefore(now.minus(Duration.ofDays(1)))).count();
    assertThat(recent).as("every one of the last 2 hours").isEqualTo(8);
    assertThat(hourly).as("one an hour until a day").isBetween(21L, 23L);
    assertThat(daily).as("one a day until 3 days, none older").isBetween(2L, 3L);
    assertThat(kept.firstKey()).isAfterOrEqualTo(now.minus(Duration.ofDays(3)));
    assertThat(backup.prune(thinning, now, false).deleted()).as("a second run deletes nothing more").isEmpty();
    clock.advance(Duration.ofHours(5));
    checkpoint(0);
    ContinuousBackup.PruneResult later = backup.prune(thinning, clock.instant(), false);
    assertThat(later.deleted()).as("thinned again as they age: only checkpoints now past a boundary go").isNotEmpty()
        .allSatisfy(id -> assertThat(backup.checkpointInstant(id).orElseThrow()).isBefore(clock.instant().minus(Duration.ofHours(2))));
    for (String id : backup.checkpointIds().values()) {
      assertThat(new BackupCatalog(target).verify(id).ok()).as("%s lists only segments that are there", id).isTrue();
    }
  }

  @Test
  void segments_no_kept_checkpoint_lists_are_deleted_and_those_published_after_the_newest_are_kept() {
    segment(0, 10);
    checkpoint(0);
    clock.advance(Duration.ofDays(40));
    segment(10, 10);
    checkpoint(10); // the source's retention deleted 0..9 meanwhile: only the old checkpoint lists that segment
    segment(20, 10); // published after the newest checkpoint: the next one will list it
    ContinuousBackup.PruneResult r = backup.prune(ContinuousBackup.Thinning.defaults(), clock.instant(), false);
    assertThat(r.deleted()).hasSize(1);
    assertThat(r.segmentsDeleted()).isEqualTo(1);
    assertThat(backup.segments(TP)).extracting(BackupManifest.SegmentEntry::firstOffset).containsExactly(10L, 20L);
    assertThat(target.list("continuous-backups/").stream().map(o -> o.key().value())).as("its stats go with it")
        .noneMatch(k -> k.contains("/00000000000000000000.seg"));
    assertThat(backup.resumeOffset(TP)).hasValue(30);
  }

  @Test
  void the_catalog_prunes_topic_backups_by_age_and_thins_checkpoints_apart() {
    segment(0, 10);
    checkpoint(0);
    clock.advance(Duration.ofDays(400)); // far past a full backup's year: a checkpoint is not judged as one
    segment(10, 10);
    checkpoint(0);
    BackupCatalog.PruneResult r = new BackupCatalog(target).prune(RetentionPolicy.defaults(), clock.instant(), false);
    assertThat(r.deleted()).isEmpty();
    assertThat(r.continuous()).singleElement().satisfies(c -> {
      assertThat(c.backup()).isEqualTo("orders-backup");
      assertThat(c.deleted()).containsExactly(backup.checkpointId(T0));
      assertThat(c.segmentsDeleted()).as("the newest checkpoint still lists both").isZero();
    });
  }

  @Test
  void a_name_that_would_make_checkpoint_ids_ambiguous_is_refused() {
    assertThatThrownBy(() -> new ContinuousBackup(target, "orders@east")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("orders@east").hasMessageContaining("'@'");
    assertThat(ContinuousBackup.isCheckpoint(backup.checkpointId(T0))).isTrue();
    assertThat(ContinuousBackup.isCheckpoint("orders@east")).isFalse();
    assertThat(ContinuousBackup.nameOf(backup.checkpointId(T0))).isEqualTo("orders-backup");
  }
}
