package io.streamdr.core.verify;

import java.nio.ByteBuffer;
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
  /** Fields up to this size are gathered with the lengths around them and hashed in one update of each CRC. */
  private static final int GATHERED = 4 * 1024;
  private final CRC32C c = new CRC32C();
  private final CRC32 d = new CRC32();
  private final byte[] pending = new byte[2 * GATHERED + 64];
  private int length;

  /** The digest of one record; {@code headers} are (name, value) pairs in record order, values may be null. */
  public long digest(byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers, long timestamp) {
    start();
    bytes(key);
    bytes(value);
    return finish(headers, timestamp);
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

  /**
   * As {@link #fingerprint(long, byte[], byte[], List, long, boolean)}, over the remaining bytes of {@code key} and
   * {@code value}, which are not moved: a consumer's views into its fetched batches are digested without copying them
   * out. A buffer's digest is that of an array of the same bytes.
   */
  public RecordFingerprint fingerprint(long offset, ByteBuffer key, ByteBuffer value, List<Map.Entry<String, byte[]>> headers,
      long timestamp, boolean withKey) {
    long keyDigest = 0;
    if (withKey) {
      start();
      bytes(key);
      keyDigest = finish();
    }
    start();
    bytes(key);
    bytes(value);
    return new RecordFingerprint(offset, timestamp, finish(headers, timestamp), keyDigest, value == null);
  }

  /** The digest of a key alone (null distinct from empty), for comparisons by latest value per key. */
  public long keyDigest(byte[] key) {
    start();
    bytes(key);
    return finish();
  }

  private void start() {
    c.reset();
    d.reset();
  }

  /** After key and value: the headers and the timestamp, then the digest. */
  private long finish(List<Map.Entry<String, byte[]>> headers, long timestamp) {
    number(headers.size());
    for (Map.Entry<String, byte[]> h : headers) {
      bytes(h.getKey().getBytes(StandardCharsets.UTF_8));
      bytes(h.getValue());
    }
    number(timestamp);
    return finish();
  }

  private long finish() {
    flush();
    return (c.getValue() << 32) | d.getValue();
  }

  // The encoding hashed is the lengths (8 bytes, big-endian; -1 for null) each followed by its field. A record's
  // small fields are gathered into one buffer with the lengths around them, so that each CRC is updated a few times
  // per record instead of twice per field: the same bytes, in the same order, give the same digest.

  private void bytes(byte[] b) {
    if (b == null) {
      number(-1);
      return;
    }
    number(b.length);
    if (b.length <= GATHERED) {
      room(b.length);
      System.arraycopy(b, 0, pending, length, b.length);
      length += b.length;
    } else {
      flush();
      c.update(b, 0, b.length);
      d.update(b, 0, b.length);
    }
  }

  private void bytes(ByteBuffer b) {
    if (b == null) {
      number(-1);
      return;
    }
    int n = b.remaining();
    number(n);
    if (n <= GATHERED) {
      room(n);
      b.get(b.position(), pending, length, n);
      length += n;
    } else {
      flush();
      c.update(b.duplicate()); // the CRCs move the position of what they read: give them copies of the view
      d.update(b.duplicate());
    }
  }

  private void number(long n) {
    room(Long.BYTES);
    for (int i = 0; i < Long.BYTES; i++) {
      pending[length++] = (byte) (n >>> (56 - 8 * i));
    }
  }

  private void room(int bytes) {
    if (length + bytes > pending.length) {
      flush();
    }
  }

  private void flush() {
    if (length > 0) {
      c.update(pending, 0, length);
      d.update(pending, 0, length);
      length = 0;
    }
  }
}
