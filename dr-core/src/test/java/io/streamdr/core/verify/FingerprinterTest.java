package io.streamdr.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class FingerprinterTest {

  /** The encoding hashed one field at a time, as the Fingerprinter did before it gathered small fields. */
  private static long fieldByField(byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers, long timestamp) {
    CRC32C c = new CRC32C();
    CRC32 d = new CRC32();
    List<byte[]> parts = new ArrayList<>();
    field(parts, key);
    field(parts, value);
    parts.add(number(headers.size()));
    for (Map.Entry<String, byte[]> h : headers) {
      field(parts, h.getKey().getBytes(StandardCharsets.UTF_8));
      field(parts, h.getValue());
    }
    parts.add(number(timestamp));
    for (byte[] p : parts) {
      c.update(p, 0, p.length);
      d.update(p, 0, p.length);
    }
    return (c.getValue() << 32) | d.getValue();
  }

  private static void field(List<byte[]> parts, byte[] b) {
    parts.add(number(b == null ? -1 : b.length));
    if (b != null) {
      parts.add(b);
    }
  }

  private static byte[] number(long n) {
    byte[] out = new byte[Long.BYTES];
    for (int i = 0; i < Long.BYTES; i++) {
      out[i] = (byte) (n >>> (56 - 8 * i));
    }
    return out;
  }

  private static byte[] bytes(Random r, int kind) {
    return switch (kind) {
      case 0 -> null;
      case 1 -> new byte[0];
      case 2 -> random(r, 1 + r.nextInt(64));
      case 3 -> random(r, 4 * 1024 - 8 + r.nextInt(16)); // around the size up to which fields are gathered
      default -> random(r, 5_000 + r.nextInt(20_000)); // past it, and past the buffer
    };
  }

  private static byte[] random(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  @Test
  void gathering_small_fields_gives_the_digest_of_hashing_every_field_by_itself() {
    Random r = new Random(11);
    Fingerprinter fingerprinter = new Fingerprinter();
    Set<Long> digests = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      byte[] key = bytes(r, r.nextInt(5));
      byte[] value = bytes(r, r.nextInt(5));
      List<Map.Entry<String, byte[]>> headers = new ArrayList<>();
      for (int h = r.nextInt(4); h > 0; h--) {
        headers.add(new AbstractMap.SimpleImmutableEntry<>("h" + r.nextInt(3), bytes(r, r.nextInt(4))));
      }
      long timestamp = r.nextLong();
      long digest = fingerprinter.digest(key, value, headers, timestamp);
      assertThat(digest).as("record %d", i).isEqualTo(fieldByField(key, value, headers, timestamp));
      assertThat(fingerprinter.keyDigest(key)).isEqualTo(keyAlone(key));
      // the same bytes as views, at an offset inside a larger heap array or off-heap, give the same fingerprint
      ByteBuffer keyView = view(key, i % 2 == 0);
      ByteBuffer valueView = view(value, i % 3 == 0);
      RecordFingerprint viewed = fingerprinter.fingerprint(i, keyView, valueView, headers, timestamp, true);
      assertThat(viewed).isEqualTo(fingerprinter.fingerprint(i, key, value, headers, timestamp, true));
      if (valueView != null) {
        assertThat(valueView.remaining()).as("the view is not moved").isEqualTo(value.length);
      }
      digests.add(digest);
    }
    assertThat(digests).as("distinct records, distinct digests").hasSizeGreaterThan(1_990);
  }

  @Test
  void null_and_empty_and_a_moved_byte_give_different_digests() {
    Fingerprinter f = new Fingerprinter();
    byte[] ab = "ab".getBytes(StandardCharsets.UTF_8);
    byte[] a = "a".getBytes(StandardCharsets.UTF_8);
    byte[] b = "b".getBytes(StandardCharsets.UTF_8);
    assertThat(f.digest(null, ab, List.of(), 1)).isNotEqualTo(f.digest(new byte[0], ab, List.of(), 1));
    assertThat(f.digest(a, b, List.of(), 1)).isNotEqualTo(f.digest(ab, new byte[0], List.of(), 1));
    assertThat(f.digest(a, b, List.of(), 1)).isNotEqualTo(f.digest(a, b, List.of(), 2));
  }

  /** The bytes as a buffer whose content starts past the start of its array (or off-heap), position untouched after. */
  private static ByteBuffer view(byte[] b, boolean direct) {
    if (b == null) {
      return null;
    }
    ByteBuffer out;
    if (direct) {
      out = ByteBuffer.allocateDirect(b.length + 10);
    } else {
      out = ByteBuffer.allocate(b.length + 10);
    }
    out.position(5);
    out.put(b);
    out.position(5).limit(5 + b.length);
    return out.slice();
  }

  private static long keyAlone(byte[] key) {
    CRC32C c = new CRC32C();
    CRC32 d = new CRC32();
    List<byte[]> parts = new ArrayList<>();
    field(parts, key);
    for (byte[] p : parts) {
      c.update(p, 0, p.length);
      d.update(p, 0, p.length);
    }
    return (c.getValue() << 32) | d.getValue();
  }
}
