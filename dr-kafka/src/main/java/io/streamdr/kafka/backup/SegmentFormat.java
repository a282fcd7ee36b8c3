package io.streamdr.kafka.backup;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.streamdr.core.BackupCorruptedException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The segment file format, version 1 (documented in docs/backup-format.md).
 *
 * <pre>
 * segment   = magic "SDRSEG" u8 version(1) u8 codec(1 = zstd) zstd( frame* end-frame )
 * frame     = u32 length, u32 crc32c(body), body(length bytes)
 * body      = u8 type(1 = record) i64 offset i64 timestamp i8 timestampType bytes key bytes value
 *             i32 headerCount (string name, bytes value)*
 * end-frame = frame whose body is u8 type(2) i64 records i64 firstOffset i64 lastOffset
 * bytes     = i32 length (-1 = null) then length bytes;  string = i32 length then UTF-8
 * </pre>
 * All integers big-endian. A segment without its end frame is truncated.
 */
public final class SegmentFormat {
  static final byte[] MAGIC = "SDRSEG".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  static final int CODEC_NONE = 0;
  static final int CODEC_ZSTD = 1;
  /** How much of a segment the writer sees before choosing its codec. */
  static final int PROBE_BYTES = 256 * 1024;
  /** zstd is kept only if it saves at least this fraction of the probe. */
  static final double MIN_SAVING = 0.10;
  static final byte TYPE_RECORD = 1;
  static final byte TYPE_END = 2;
  /** Largest frame accepted when reading (a record of up to ~64 MiB); guards against corrupt lengths. */
  static final int MAX_FRAME = 64 * 1024 * 1024 + 65536;

  private SegmentFormat() {}

  /**
   * Writes records into a segment. The first {@link #PROBE_BYTES} of frames are held until the codec is chosen: zstd
   * if it saves at least 10 % of them, none otherwise (random or already compressed payloads, where zstd would only
   * cost time). Not thread-safe. Closing writes the end frame; it does not close the sink.
   */
  public static final class Writer implements AutoCloseable {
    private final OutputStream sink;
    private final int level;
    private java.io.ByteArrayOutputStream probe = new java.io.ByteArrayOutputStream(PROBE_BYTES + 1024);
    private DataOutputStream out = new DataOutputStream(probe);
    private ZstdOutputStream zstd;
    private int codec = -1;
    private final CRC32C crc = new CRC32C();
    private byte[] buf = new byte[64 * 1024];
    private int len;
    private long records;
    private long first = -1;
    private long last = -1;
    private long uncompressed;

    public Writer(OutputStream sink, int level) {
      this.sink = sink;
      this.level = level;
    }

    /** Chooses the codec from what the probe holds, writes the header, then the probe through the codec. */
    private void chooseCodec() throws IOException {
      byte[] sample = probe.toByteArray();
      long compressed = sample.length == 0 ? 0 : com.github.luben.zstd.Zstd.compress(sample, level).length;
      codec = compressed <= sample.length * (1 - MIN_SAVING) ? CODEC_ZSTD : CODEC_NONE;
      sink.write(MAGIC);
      sink.write(VERSION);
      sink.write(codec);
      OutputStream body = new NonClosing(sink);
      if (codec == CODEC_ZSTD) {
        zstd = new ZstdOutputStream(body, level);
        body = zstd;
      }
      out = new DataOutputStream(new BufferedOutputStream(body, 128 * 1024));
      out.write(sample);
      probe = null;
    }

    /** The codec chosen for this segment ({@code 0} none, {@code 1} zstd), or -1 while still probing. */
    public int codec() {
      return codec;
    }

    public void write(BackupRecord r) throws IOException {
      len = 0;
      u8(TYPE_RECORD);
      i64(r.offset());
      i64(r.timestamp());
      u8(r.timestampType());
      bytes(r.key());
      bytes(r.value());
      i32(r.headers().size());
      for (Map.Entry<String, byte[]> h : r.headers()) {
        bytes(h.getKey().getBytes(StandardCharsets.UTF_8));
        bytes(h.getValue());
      }
      frame();
      records++;
      if (first < 0) {
        first = r.offset();
      }
      last = r.offset();
    }

    private void frame() throws IOException {
      crc.reset();
      crc.update(buf, 0, len);
      out.writeInt(len);
      out.writeInt((int) crc.getValue());
      out.write(buf, 0, len);
      uncompressed += 8L + len;
      if (probe != null && probe.size() >= PROBE_BYTES) {
        chooseCodec();
      }
    }

    public long records() {
      return records;
    }

    public long firstOffset() {
      return first;
    }

    public long lastOffset() {
      return last;
    }

    /** Bytes written before compression. */
    public long uncompressedBytes() {
      return uncompressed;
    }

    @Override
    public void close() throws IOException {
      len = 0;
      u8(TYPE_END);
      i64(records);
      i64(first);
      i64(last);
      frame();
      if (probe != null) {
        chooseCodec(); // a segment smaller than the probe
      }
      out.flush();
      if (zstd != null) {
        zstd.close();
      }
    }

    private void ensure(int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    private void u8(int v) {
      ensure(1);
      buf[len++] = (byte) v;
    }

    private void i32(int v) {
      ensure(4);
      buf[len++] = (byte) (v >>> 24);
      buf[len++] = (byte) (v >>> 16);
      buf[len++] = (byte) (v >>> 8);
      buf[len++] = (byte) v;
    }

    private void i64(long v) {
      i32((int) (v >>> 32));
      i32((int) v);
    }

    private void bytes(byte[] b) {
      if (b == null) {
        i32(-1);
        return;
      }
      i32(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }
  }

  /** Reads a segment, checking every frame's CRC and that the end frame is present and consistent. */
  public static final class Reader implements AutoCloseable {
    private final String name;
    private final DataInputStream in;
    private final CRC32C crc = new CRC32C();
    private byte[] buf = new byte[64 * 1024];
    private long frameNo;
    private long records;
    private boolean ended;

    /** @param name the segment's key, used in error messages */
    public Reader(InputStream source, String name) throws IOException {
      this.name = name;
      InputStream raw = new BufferedInputStream(source, 64 * 1024);
      byte[] magic = raw.readNBytes(MAGIC.length + 2);
      if (magic.length < MAGIC.length + 2 || !Arrays.equals(Arrays.copyOf(magic, MAGIC.length), MAGIC)) {
        throw corrupt("does not start with the segment magic 'SDRSEG'");
      }
      if (magic[MAGIC.length] != VERSION) {
        throw corrupt("has format version " + magic[MAGIC.length] + "; this library reads version " + VERSION);
      }
      int codec = magic[MAGIC.length + 1];
      if (codec != CODEC_ZSTD && codec != CODEC_NONE) {
        throw corrupt("uses unknown codec " + codec);
      }
      this.in = new DataInputStream(new BufferedInputStream(codec == CODEC_ZSTD ? new ZstdInputStream(raw) : raw, 128 * 1024));
    }

    private BackupCorruptedException corrupt(String what) {
      return new BackupCorruptedException(name, "Segment '%s' %s%s; the backup is damaged — verify it and restore from another backup"
          .formatted(name, what, frameNo > 0 ? " (at frame " + frameNo + ")" : ""));
    }

    /** The next record, or null at the end frame. */
    public BackupRecord next() {
      if (ended) {
        return null;
      }
      try {
        int length;
        try {
          length = in.readInt();
        } catch (EOFException e) {
          throw corrupt("is truncated: it ends without its end frame after " + records + " records");
        }
        frameNo++;
        int expected = in.readInt();
        if (length < 1 || length > MAX_FRAME) {
          throw corrupt("has an impossible frame length " + length);
        }
        if (buf.length < length) {
          buf = new byte[Math.max(length, buf.length * 2)];
        }
        in.readFully(buf, 0, length);
        crc.reset();
        crc.update(buf, 0, length);
        if ((int) crc.getValue() != expected) {
          throw corrupt("fails its CRC32C check at frame " + frameNo);
        }
        Cursor c = new Cursor(buf, length);
        byte type = c.u8();
        if (type == TYPE_END) {
          long count = c.i64();
          if (count != records) {
            throw corrupt("declares " + count + " records in its end frame but holds " + records);
          }
          ended = true;
          return null;
        }
        if (type != TYPE_RECORD) {
          throw corrupt("has a frame of unknown type " + type);
        }
        long offset = c.i64();
        long timestamp = c.i64();
        byte tsType = c.u8();
        byte[] key = c.bytes();
        byte[] value = c.bytes();
        int n = c.i32();
        List<Map.Entry<String, byte[]>> headers = n == 0 ? List.of() : new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          headers.add(new AbstractMap.SimpleImmutableEntry<>(new String(c.bytes(), StandardCharsets.UTF_8), c.bytes()));
        }
        records++;
        return new BackupRecord(offset, timestamp, tsType, key, value, headers);
      } catch (EOFException e) {
        throw corrupt("is truncated inside frame " + frameNo);
      } catch (IOException e) {
        throw corrupt("cannot be decompressed: " + e.getMessage());
      } catch (ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
        throw corrupt("has a malformed frame " + frameNo);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  private static final class Cursor {
    private final byte[] b;
    private final int limit;
    private int p;

    Cursor(byte[] b, int limit) {
      this.b = b;
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

    private void check(int n) {
      if (n < 0 || p + n > limit) {
        throw new ArrayIndexOutOfBoundsException("frame ends early");
      }
    }
  }

  /** Lets the zstd stream finish its frame without closing the backup target's stream (which publishes). */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
