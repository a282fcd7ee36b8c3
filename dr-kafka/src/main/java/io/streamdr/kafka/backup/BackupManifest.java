package io.streamdr.kafka.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * @param checksum        SHA-256 (lowercase hex) of the manifest file with these 64 digits written as zeros; null in
 *                        a manifest of format version 1, which had none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupManifest(String format, int version, String id, Type type, String parent, String sourceClusterId,
    Instant startedAt, Instant completedAt, List<TopicEntry> topics, Map<String, Map<String, Map<Integer, Long>>> groups,
    String checksum) {

  public static final String FORMAT = "streamdr-topic-backup";
  /** Version 2 added the manifest's own checksum. */
  public static final int VERSION = 2;
  private static final String ZEROS = "0".repeat(64);
  private static final Pattern CHECKSUM = Pattern.compile("\"checksum\"\\s*:\\s*\"([0-9a-f]{64})\"");

  /** A manifest before it is written: {@link #toJson()} computes its checksum. */
  public BackupManifest(String format, int version, String id, Type type, String parent, String sourceClusterId,
      Instant startedAt, Instant completedAt, List<TopicEntry> topics, Map<String, Map<String, Map<Integer, Long>>> groups) {
    this(format, version, id, type, parent, sourceClusterId, startedAt, completedAt, topics, groups, null);
  }

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

  /** Whether the manifest carries a checksum (format version 2 and later); version 1 manifests cannot be checked. */
  public boolean checksummed() {
    return checksum != null;
  }

  /**
   * The manifest as written: pretty-printed JSON of this format's version whose {@code checksum} field holds the
   * SHA-256 of the same bytes with the checksum's 64 digits as zeros, so any change to the file is detected.
   */
  byte[] toJson() {
    BackupManifest unsigned = new BackupManifest(format, VERSION, id, type, parent, sourceClusterId, startedAt, completedAt,
        topics, groups, ZEROS);
    try {
      String json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(unsigned);
      String digest = sha256(json.getBytes(StandardCharsets.UTF_8));
      Matcher field = CHECKSUM.matcher(json);
      if (!field.find()) {
        throw new IllegalStateException("Manifest of backup " + id + " was serialized without its checksum field");
      }
      return (json.substring(0, field.start(1)) + digest + json.substring(field.end(1))).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("Manifest of backup " + id + " could not be serialized", e);
    }
  }

  private static String sha256(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  /**
   * Reads and checks a manifest: its format, version and checksum (a manifest changed after it was written is
   * refused as damaged).
   *
   * @throws NotFoundException if the backup has no manifest (it does not exist or is incomplete)
   * @throws BackupCorruptedException if the manifest is not valid, not a topic backup's, or changed
   */
  public static BackupManifest read(BackupTarget target, String backupId) {
    BackupKey key = key(backupId);
    byte[] bytes;
    try {
      bytes = target.readAll(key); // one request: no existence check first
    } catch (NotFoundException e) {
      throw new NotFoundException(ResourceType.BACKUP, backupId, ("No complete backup '%s' in the backup target (a backup without a manifest "
          + "is missing or was interrupted); list the backups with 'streamdr backups list'").formatted(backupId));
    }
    BackupManifest m;
    try {
      m = Json.MAPPER.readValue(bytes, BackupManifest.class);
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException j && j.getLocation() != null
          ? "%s at line %d, column %d".formatted(j.getOriginalMessage(), j.getLocation().getLineNr(), j.getLocation().getColumnNr())
          : e.getMessage();
      throw new BackupCorruptedException(key.value(), "Manifest of backup %s is not a valid manifest (%s); the backup is damaged — restore from another backup"
          .formatted(backupId, why), e);
    }
    // the checksum first: a damaged format or version field must read as damage, not as another format or a newer one
    if (m.version() >= 2 || m.checksum() != null) {
      String text = new String(bytes, StandardCharsets.UTF_8);
      Matcher found = CHECKSUM.matcher(text);
      if (m.checksum() == null || !found.find()) {
        throw new BackupCorruptedException(key.value(), "Manifest of backup %s has no valid checksum field although its format requires one; it was edited — restore from another backup"
            .formatted(backupId));
      }
      String actual = sha256((text.substring(0, found.start(1)) + ZEROS + text.substring(found.end(1))).getBytes(StandardCharsets.UTF_8));
      if (!actual.equals(found.group(1))) {
        throw new BackupCorruptedException(key.value(), "Manifest of backup %s was changed after it was written (its SHA-256 is %s, it records %s); the backup is damaged — restore from another backup"
            .formatted(backupId, actual, found.group(1)));
      }
    }
    if (!FORMAT.equals(m.format())) {
      throw new BackupCorruptedException(key.value(), "'%s' is not a topic backup manifest (format '%s')".formatted(key, m.format()));
    }
    if (m.version() > VERSION) {
      throw new BackupCorruptedException(key.value(), "Backup %s has format version %d; this StreamDR reads up to %d — upgrade StreamDR"
          .formatted(backupId, m.version(), VERSION));
    }
    return m;
  }
}
