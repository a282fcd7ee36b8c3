package io.streamdr.kafka.verify;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.verify.Fingerprinter;
import io.streamdr.core.verify.RecordFingerprint;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.BackupRecord;
import io.streamdr.kafka.internal.segment.SegmentReader;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** The records of a partition's backup segments, in order, as fingerprints; one segment open at a time. */
final class BackupFingerprints implements Iterator<RecordFingerprint> {
  private final BackupTarget backups;
  private final Iterator<BackupManifest.SegmentEntry> segments;
  private final Fingerprinter fingerprinter = new Fingerprinter();
  private SegmentReader reader;
  private final boolean keyed;
  private RecordFingerprint next;

  BackupFingerprints(BackupTarget backups, List<BackupManifest.SegmentEntry> segments,
      boolean keyed) {
    this.backups = backups;
    this.segments = segments.iterator();
    this.keyed = keyed;
  }

  @Override
  public boolean hasNext() {
    while (next == null) {
      if (reader == null) {
        if (!segments.hasNext()) {
          return false;
        }
        String key = segments.next().key();
        reader = new SegmentReader(backups.open(new BackupKey(key)), key);
      }
      BackupRecord r = reader.next();
      if (r == null) {
        closeReader();
      } else {
        next = fingerprinter.fingerprint(r.offset(), r.key(), r.value(), r.headers(), r.timestamp(), keyed);
      }
    }
    return true;
  }

  @Override
  public RecordFingerprint next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    RecordFingerprint out = next;
    next = null;
    return out;
  }

  private void closeReader() {
    reader.close(); // read to its end frame already
    reader = null;
  }
}
