package io.streamdr.kafka.backup;

import io.streamdr.kafka.internal.segment.SegmentReader;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The records of one partition through a backup chain, in order, up to the first record stamped after the point in
 * time (if any): exactly the sequence a restore writes. One segment is open at a time; every frame's CRC is checked
 * as it is read. Not thread-safe.
 */
public final class PartitionRecords implements Iterator<BackupRecord>, AutoCloseable {
  private final BackupTarget target;
  private final Iterator<BackupChain.Segment> segments;
  private final long stored;
  private final long cutMillis;
  private SegmentReader reader;
  private BackupChain.Segment current;
  private BackupRecord next;
  private boolean cut;
  private long read;

  PartitionRecords(BackupTarget target, List<BackupChain.Segment> segments, Instant pointInTime) {
    this.target = target;
    this.segments = segments.iterator();
    this.stored = segments.stream().mapToLong(s -> s.entry().records()).sum();
    this.cutMillis = pointInTime == null ? Long.MAX_VALUE : pointInTime.toEpochMilli();
  }

  @Override
  public boolean hasNext() {
    while (next == null && !cut) {
      if (reader == null) {
        if (!segments.hasNext()) {
          return false;
        }
        current = segments.next();
        try {
          reader = new SegmentReader(target.open(new BackupKey(current.entry().key())), current.entry().key());
        } catch (BackupCorruptedException e) {
          throw named(e);
        }
      }
      BackupRecord r;
      try {
        r = reader.next();
      } catch (BackupCorruptedException e) {
        throw named(e);
      }
      if (r == null) {
        closeReader();
      } else if (r.timestamp() > cutMillis) {
        cut = true;
        closeReader();
      } else {
        next = r;
      }
    }
    return next != null;
  }

  private BackupCorruptedException named(BackupCorruptedException e) {
    return new BackupCorruptedException(current.entry().key(), "Backup %s, %s-%d: %s".formatted(current.backupId(),
        current.topic(), current.partition(), e.getMessage()), e);
  }

  @Override
  public BackupRecord next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    BackupRecord r = next;
    next = null;
    read++;
    return r;
  }

  /** Records of the chain left out by the point in time: known once the cut was reached. */
  public long cutByTime() {
    return cut ? stored - read : 0;
  }

  private void closeReader() {
    reader.close(); // read to its end frame (or cut): a failure to close loses nothing
    reader = null;
  }

  @Override
  public void close() {
    if (reader != null) {
      closeReader();
    }
  }
}
