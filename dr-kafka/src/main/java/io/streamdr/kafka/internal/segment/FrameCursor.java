package io.streamdr.kafka.internal.segment;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads the fields of one frame's body; a field that runs past the frame is an {@link ArrayIndexOutOfBoundsException}. */
final class FrameCursor {
  private final byte[] b;
  private final int limit;
  private int p;

  /** The frame body in {@code b} from {@code start} (inclusive) to {@code limit} (exclusive). */
  FrameCursor(byte[] b, int start, int limit) {
    this.b = b;
    this.p = start;
    this.limit = limit;
  }

  byte u8() {
    check(1);
    return b[p++];
  }

  int i32() {
    check(4);
    int v = ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    p += 4;
    return v;
  }

  long i64() {
    return ((long) i32() << 32) | (i32() & 0xffffffffL);
  }

  byte[] bytes() {
    int n = i32();
    if (n == -1) {
      return null;
    }
    check(n);
    byte[] out = Arrays.copyOfRange(b, p, p + n);
    p += n;
    return out;
  }

  /** A count (of headers), which cannot be negative. */
  int count() {
    int n = i32();
    if (n < 0) {
      throw new ArrayIndexOutOfBoundsException("negative count " + n);
    }
    return n;
  }

  /** A {@code string} field: a header's name, which is never null. */
  String string() {
    int n = i32();
    check(n);
    String out = new String(b, p, n, StandardCharsets.UTF_8);
    p += n;
    return out;
  }

  void skip(int n) {
    check(n);
    p += n;
  }

  /** Steps over a {@code bytes} field (length -1 is null). */
  void skipBytes() {
    int n = i32();
    if (n != -1) {
      skip(n);
    }
  }

  private void check(int n) {
    if (n < 0 || p + n > limit) {
      throw new ArrayIndexOutOfBoundsException("frame ends early");
    }
  }
}
