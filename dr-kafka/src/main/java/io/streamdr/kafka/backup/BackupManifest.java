package io.streamdr.kafka.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The manifest of one topic backup, written last: a backup exists only when its manifest does. Format
 * {@code streamdr-topic-backup}, version 1 (docs/backup-format.md).
 *
 * @param format          always {@value #FORMAT}
 * @param version         format version
 * @param id              backup id
 * @param type            FULL or INCREMENTAL
 * @param parent          the backup an incremental continues, null for a full one
 * @param sourceClusterId the Kafka cluster id the records were read from
 * @param startedAt       when the backup started (its end offsets were snapshotted then)
 * @param completedAt     when the manifest was written
 * @param topics          per topic: metadata and partitions
 * @param groups          committed offsets of the chosen consumer groups at the start: group → topic → partition → offset
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupManifest(String format, int version, String id, Type type, String parent, String sourceClusterId,
    Instant startedAt, Instant completedAt, List<TopicEntry> topics, Map<String, Map<String, Map<Integer, Long>>> groups) {

  public static final String FORMAT = "streamdr-topic-backup";
  public static final int VERSION = 1;

  /** Backup types. */
  public enum Type { FULL, INCREMENTAL }

  /**
   * One topic.
   *
   * @param name              topic name
   * @param topicId           Kafka's topic id, to detect a topic deleted and recreated between backups
   * @param partitionCount    partitions at backup time
   * @param replicationFactor replication factor at backup time
   * @param configs           topic configs that were set explicitly (not defaults)
   * @param partitions        per partition
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TopicEntry(String name, String topicId, int partitionCount, int replicationFactor,
      Map<String, String> configs, List<PartitionEntry> partitions) {}

  /**
   * One partition: the offset range [startOffset, endOffset) this backup covers, and its segments in order.
   *
   * @param partition  partition number
   * @param startOffset first offset covered (the parent's end offset for an incremental)
   * @param endOffset   end offset (exclusive) snapshotted at start: the consistent cut
   * @param records     records stored (fewer than the range where compaction or transactions left gaps)
   * @param bytes       compressed bytes stored
   * @param segments    segments in offset order
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PartitionEntry(int partition, long startOffset, long endOffset, long records, long bytes,
      List<SegmentEntry> segments) {}

  /**
   * One segment file.
   *
   * @param key         its key in the backup target
   * @param firstOffset offset of its first record
   * @param lastOffset  offset of its last record
   * @param records     records in it
   * @param firstTimestamp timestamp of its first record
   * @param maxTimestamp   largest timestamp in it
   * @param bytes       its size
   * @param sha256      SHA-256 of its bytes (lowercase hex)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SegmentEntry(String key, long firstOffset, long lastOffset, long records, long firstTimestamp,
      long maxTimestamp, long bytes, String sha256) {}

  /** The key of a backup's manifest. */
  public static BackupKey key(String backupId) {
    return BackupKey.of("topic-backups", backupId, "manifest.json");
  }

  public Optional<String> parentId() {
    return Optional.ofNullable(parent);
  }

  public Optional<TopicEntry> topic(String name) {
    return topics.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** Records stored across all topics. */
  public long records() {
    return topics.stream().flatMap(t -> t.partitions().stream()).mapToLong(PartitionEntry::records).sum();
  }

  /** Compressed bytes stored across all topics. */
  public long bytes() {
    return topics.stream().flatMap(t -> t.partitions().stream()).mapToLong(PartitionEntry::bytes).sum();
  }

  byte[] toJson() {
    try {
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException("Manifest of backup " + id + " could not be serialized", e);
    }
  }

  /** Reads and checks a manifest. */
  public static BackupManifest read(BackupTarget target, String backupId) {
    BackupKey key = key(backupId);
    try {
      BackupManifest m = Json.MAPPER.readValue(target.readAll(key), BackupManifest.class);
      if (!FORMAT.equals(m.format())) {
        throw new BackupCorruptedException(key.value(), "'%s' is not a topic backup manifest (format '%s')".formatted(key, m.format()));
      }
      if (m.version() > VERSION) {
        throw new BackupCorruptedException(key.value(), "Backup %s has format version %d; this library reads up to %d — upgrade StreamDR"
            .formatted(backupId, m.version(), VERSION));
      }
      return m;
    } catch (IOException e) {
      throw new BackupCorruptedException(key.value(), "Manifest of backup %s is not valid JSON: %s".formatted(backupId, e.getMessage()), e);
    }
  }
}
