package io.streamdr.core.verify;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Computes the content digest of a record over key, value, headers (in order) and timestamp, with null distinct
 * from empty: 64 bits made of two CRCs with different polynomials (CRC-32C and CRC-32, both computed by the CPU's
 * instructions) over a length-prefixed encoding. A record that lost, gained or changed any byte gets another digest
 * except with a probability of about 2<sup>-64</sup>; the digest detects accidents (loss, corruption, a wrong record),
 * not a deliberate forgery. Not thread-safe: one per thread.
 */
public final class Fingerprinter {
  private final CRC32C c = new CRC32C();
  private final CRC32 d = new CRC32();
  private final byte[] scratch = new byte[Long.BYTES];

  /** The digest of one record; {@code headers} are (name, value) pairs in record order, values may be null. */
  public long digest(byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers, long timestamp) {
    c.reset();
    d.reset();
    bytes(key);
    bytes(value);
    number(headers.size());
    for (Map.Entry<String, byte[]> h : headers) {
      bytes(h.getKey().getBytes(StandardCharsets.UTF_8));
      bytes(h.getValue());
    }
    number(timestamp);
    return (c.getValue() << 32) | d.getValue();
  }

  /** The fingerprint of one record: its content digest, its key's digest and whether it is a tombstone. */
  public RecordFingerprint fingerprint(long offset, byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers,
      long timestamp) {
    return fingerprint(offset, key, value, headers, timestamp, true);
  }

  /**
   * The same; without {@code withKey} the key digest is left 0 (a comparison record by record does not need it, and
   * it costs a pass over the key).
   */
  public RecordFingerprint fingerprint(long offset, byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers,
      long timestamp, boolean withKey) {
    long keyDigest = withKey ? keyDigest(key) : 0;
    return new RecordFingerprint(offset, timestamp, digest(key, value, headers, timestamp), keyDigest, value == null);
  }

  /** The digest of a key alone (null distinct from empty), for comparisons by latest value per key. */
  public long keyDigest(byte[] key) {
    c.reset();
    d.reset();
    bytes(key);
    return (c.getValue() << 32) | d.getValue();
  }

  private void bytes(byte[] b) {
    if (b == null) {
      number(-1);
    } else {
      number(b.length);
      c.update(b, 0, b.length);
      d.update(b, 0, b.length);
    }
  }

  private void number(long n) {
    for (int i = 0; i < Long.BYTES; i++) {
      scratch[i] = (byte) (n >>> (56 - 8 * i));
    }
    c.update(scratch, 0, Long.BYTES);
    d.update(scratch, 0, Long.BYTES);
  }
}
