package io.streamdr.core.verify;

/**
 * What verification keeps of one record: its offset, timestamp, a 64-bit digest of its content, and what a
 * comparison of compacted topics needs (a digest of its key, and whether it is a tombstone).
 *
 * @param offset    offset in its partition
 * @param timestamp record timestamp, epoch milliseconds
 * @param digest    content digest from {@link Fingerprinter}
 * @param keyDigest digest of the key alone, from {@link Fingerprinter#keyDigest}
 * @param tombstone whether the value is null
 */
public record RecordFingerprint(long offset, long timestamp, long digest, long keyDigest, boolean tombstone) {

  /** A fingerprint for comparisons record by record only (no key digest). */
  public RecordFingerprint(long offset, long timestamp, long digest) {
    this(offset, timestamp, digest, 0, false);
  }
}
