package io.streamdr.core.verify;

/**
 * What verification keeps of one record: its offset, timestamp and a 64-bit digest of its content.
 *
 * @param offset    offset in its partition
 * @param timestamp record timestamp, epoch milliseconds
 * @param digest    content digest from {@link Fingerprinter}
 */
public record RecordFingerprint(long offset, long timestamp, long digest) {}
