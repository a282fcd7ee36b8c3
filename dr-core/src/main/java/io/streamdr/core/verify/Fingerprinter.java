package io.streamdr.core.verify;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

/**
 * Computes the content digest of a record over key, value, headers (in order) and timestamp, with null distinct
 * from empty. The first 64 bits of SHA-256 over a length-prefixed encoding. Not thread-safe: one per thread.
 */
public final class Fingerprinter {
  private final MessageDigest sha;
  private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES);

  public Fingerprinter() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /** The digest of one record; {@code headers} are (name, value) pairs in record order, values may be null. */
  public long digest(byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers, long timestamp) {
    sha.reset();
    bytes(key);
    bytes(value);
    number(headers.size());
    for (Map.Entry<String, byte[]> h : headers) {
      bytes(h.getKey().getBytes(StandardCharsets.UTF_8));
      bytes(h.getValue());
    }
    number(timestamp);
    return ByteBuffer.wrap(sha.digest()).getLong();
  }

  private void bytes(byte[] b) {
    if (b == null) {
      number(-1);
    } else {
      number(b.length);
      sha.update(b);
    }
  }

  private void number(long n) {
    scratch.clear();
    scratch.putLong(n);
    sha.update(scratch.array(), 0, Long.BYTES);
  }
}
