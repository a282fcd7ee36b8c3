package io.streamdr.kafka.backup;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Sha256;
import io.streamdr.kafka.internal.segment.SegmentReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a backup's segments live, and what a resumed backup finds already published: the stats of each segment, from
 * the sidecar written beside it or, where that is missing or unreadable, by reading the segment itself.
 */
final class PublishedSegments {
  private PublishedSegments() {}

  /** The key prefix of a partition's segments in a backup. */
  static String prefix(String backupId, TopicPartition tp) {
    return dataPrefix("topic-backups/" + backupId, tp);
  }

  /** The key prefix of a partition's segments under {@code root} (a backup's, or a continuous backup's). */
  static String dataPrefix(String root, TopicPartition tp) {
    return root + "/data/" + tp.topic() + "/" + tp.partition() + "/";
  }

  /** The key of the segment of {@code tp} whose first record has {@code firstOffset}. */
  static BackupKey key(String backupId, TopicPartition tp, long firstOffset) {
    return segmentKey(prefix(backupId, tp), firstOffset);
  }

  /** The key of the segment under a partition's {@code prefix} whose first record has {@code firstOffset}. */
  static BackupKey segmentKey(String prefix, long firstOffset) {
    return new BackupKey(prefix + String.format("%020d", firstOffset) + ".seg");
  }

  /** The sidecar holding a segment's {@link SegmentStats}. */
  static BackupKey sidecar(BackupKey segment) {
    return new BackupKey(segment.value() + ".json");
  }

  /** Published segments of a partition, in offset order, with their stats. */
  static List<SegmentStats> of(BackupTarget target, String backupId, TopicPartition tp) {
    List<SegmentStats> out = new ArrayList<>();
    for (BackupObject o : target.list(prefix(backupId, tp))) {
      if (!o.key().value().endsWith(".seg")) {
        continue;
      }
      out.add(stats(target, o.key()));
    }
    return out;
  }

  /** What a published segment holds: from its sidecar, or, where that is missing or unreadable, from the segment. */
  static SegmentStats stats(BackupTarget target, BackupKey segment) {
    BackupKey sidecar = sidecar(segment);
    if (target.exists(sidecar)) {
      try {
        return Json.MAPPER.readValue(target.readAll(sidecar), SegmentStats.class);
      } catch (IOException e) {
        // a torn sidecar: the segment itself says what it holds
      }
    }
    return statsByReading(target, segment);
  }

  /** What a segment holds, read from the segment itself. */
  static SegmentStats statsByReading(BackupTarget target, BackupKey key) {
    try (InputStream raw = target.open(key)) {
      MessageDigest sha = Sha256.digest();
      CountingInputStream counted = new CountingInputStream(new DigestInputStream(raw, sha));
      long first = -1;
      long last = -1;
      long records = 0;
      long firstTs = -1;
      long maxTs = -1;
      try (SegmentReader reader = new SegmentReader(counted, key.value())) {
        for (BackupRecord r; (r = reader.next()) != null; ) {
          if (first < 0) {
            first = r.offset();
            firstTs = r.timestamp();
          }
          last = r.offset();
          maxTs = Math.max(maxTs, r.timestamp());
          records++;
        }
        counted.transferTo(OutputStream.nullOutputStream());
      }
      return new SegmentStats(key.value(), first, last, records, firstTs, maxTs, counted.count, HexFormat.of().formatHex(sha.digest()));
    } catch (IOException e) {
      throw new BackupIoException(key, "read", e);
    }
  }

  private static final class CountingInputStream extends FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
