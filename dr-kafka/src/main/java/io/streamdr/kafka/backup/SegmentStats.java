package io.streamdr.kafka.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** What a published segment holds; written beside it so a resumed backup need not re-read it. */
@JsonIgnoreProperties(ignoreUnknown = true)
record SegmentStats(String key, long firstOffset, long lastOffset, long records, long firstTimestamp, long maxTimestamp,
    long bytes, String sha256) {

  BackupManifest.SegmentEntry entry() {
    return new BackupManifest.SegmentEntry(key, firstOffset, lastOffset, records, firstTimestamp, maxTimestamp, bytes, sha256);
  }
}
