package io.streamdr.kafka.backup;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdDirectBufferCompressingStreamNoFinalizer;
import io.streamdr.core.BackupCorruptedException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The segment file format, version 1 (documented in docs/backup-format.md).
 *
 * <pre>
 * segment   = magic "SDRSEG" u8 version(1) u8 codec payload
 * codec     = 0 (stored: payload is frame* end-frame as they are) | 1 (zstd: payload is zstd( frame* end-frame ))
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
   * Writes records into a segment. Frames are built in place, one after another, in one buffer that goes to the sink
   * (through zstd if chosen) a chunk at a time, so a record's bytes are copied once. The first {@link #PROBE_BYTES}
   * of frames are held until the codec is chosen: zstd if it saves at least 10 % of them, none otherwise (random or
   * already compressed payloads, where zstd would only cost time). Not thread-safe. Closing writes the end frame; it
   * does not close the sink. A writer that will not be closed (its segment is abandoned) must be {@link #discard()}ed,
   * which frees zstd's native state.
   */
  public static final class Writer implements AutoCloseable {
    /** Frames gathered before they go to the sink once the codec is chosen. */
    private static final int CHUNK = 128 * 1024;
    private final OutputStream sink;
    private final int level;
    private OutputStream out;
    /** Volatile: a backup that aborts discards the writer from another thread. */
    private volatile DirectZstd zstd;
    private int codec = -1;
    private final CRC32C crc = new CRC32C();
    private byte[] buf = new byte[PROBE_BYTES + CHUNK];
    private int len;
    private int frameStart;
    private long records;
    private long first = -1;
    private long last = -1;
    private long uncompressed;

    public Writer(OutputStream sink, int level) {
      this.sink = sink;
      this.level = level;
    }

    /** Chooses the codec from the frames held so far and writes the segment header. */
    private void chooseCodec() throws IOException {
      long compressed = len == 0 ? 0 : com.github.luben.zstd.Zstd.compress(Arrays.copyOf(buf, len), level).length;
      codec = compressed <= len * (1 - MIN_SAVING) ? CODEC_ZSTD : CODEC_NONE;
      sink.write(MAGIC);
      sink.write(VERSION);
      sink.write(codec);
      out = sink;
      if (codec == CODEC_ZSTD) {
        zstd = new DirectZstd(sink, level);
        out = zstd;
      }
    }

    /** The codec chosen for this segment ({@code 0} none, {@code 1} zstd), or -1 while still probing. */
    public int codec() {
      return codec;
    }

    public void write(BackupRecord r) throws IOException {
      write(r.offset(), r.timestamp(), r.timestampType(), r.key() == null ? null : ByteBuffer.wrap(r.key()),
          r.value() == null ? null : ByteBuffer.wrap(r.value()), r.headers());
    }

    /** Writes a record whose key and value are buffers (their remaining bytes; positions are left unchanged). */
    void write(long offset, long timestamp, byte timestampType, ByteBuffer key, ByteBuffer value,
        List<Map.Entry<String, byte[]>> headers) throws IOException {
      startFrame();
      u8(TYPE_RECORD);
      i64(offset);
      i64(timestamp);
      u8(timestampType);
      bytes(key);
      bytes(value);
      i32(headers.size());
      for (Map.Entry<String, byte[]> h : headers) {
        bytes(h.getKey().getBytes(StandardCharsets.UTF_8));
        bytes(h.getValue());
      }
      endFrame();
      records++;
      if (first < 0) {
        first = offset;
      }
      last = offset;
    }

    /** Reserves the frame's length and CRC, filled in by {@link #endFrame()}. */
    private void startFrame() {
      frameStart = len;
      i64(0);
    }

    private void endFrame() throws IOException {
      int body = frameStart + 8;
      int length = len - body;
      crc.reset();
      crc.update(buf, body, length);
      putI32(frameStart, length);
      putI32(frameStart + 4, (int) crc.getValue());
      uncompressed += 8L + length;
      if (len >= (codec < 0 ? PROBE_BYTES : CHUNK)) {
        drain();
      }
    }

    /** Hands the gathered frames to the sink, choosing the codec first if still probing. */
    private void drain() throws IOException {
      if (codec < 0) {
        chooseCodec();
      }
      out.write(buf, 0, len);
      len = 0;
      if (buf.length > 4 * (PROBE_BYTES + CHUNK)) {
        buf = new byte[PROBE_BYTES + CHUNK]; // grown for a large record: memory stays bounded per open segment
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
      startFrame();
      u8(TYPE_END);
      i64(records);
      i64(first);
      i64(last);
      endFrame();
      drain();
      if (zstd != null) {
        zstd.close();
      }
      sink.flush();
    }

    /**
     * Abandons the segment: frees zstd's native state and buffers, writes nothing more to the sink. Unlike the rest of
     * the writer, it may be called from another thread, while a write is still running; it never blocks.
     */
    public void discard() {
      if (zstd != null) {
        zstd.discard();
      }
    }

    private void ensure(int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    private void putI32(int at, int v) {
      buf[at] = (byte) (v >>> 24);
      buf[at + 1] = (byte) (v >>> 16);
      buf[at + 2] = (byte) (v >>> 8);
      buf[at + 3] = (byte) v;
    }

    private void u8(int v) {
      ensure(1);
      buf[len++] = (byte) v;
    }

    private void i32(int v) {
      ensure(4);
      putI32(len, v);
      len += 4;
    }

    private void i64(long v) {
      i32((int) (v >>> 32));
      i32((int) v);
    }

    private void bytes(byte[] b) {
      bytes(b == null ? null : ByteBuffer.wrap(b));
    }

    private void bytes(ByteBuffer b) {
      if (b == null) {
        i32(-1);
        return;
      }
      int n = b.remaining();
      i32(n);
      ensure(n);
      b.get(b.position(), buf, len, n);
      len += n;
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
      return new BackupCorruptedException(name, "segment '%s' %s; the backup is damaged — restore from another backup"
          .formatted(name, what));
    }

    /** The next record, or null at the end frame. */
    public BackupRecord next() {
      Cursor c = nextRecordFrame();
      if (c == null) {
        return null;
      }
      try {
        long offset = c.i64();
        long timestamp = c.i64();
        byte tsType = c.u8();
        byte[] key = c.bytes();
        byte[] value = c.bytes();
        int n = c.count();
        List<Map.Entry<String, byte[]>> headers = n == 0 ? List.of() : new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          headers.add(new AbstractMap.SimpleImmutableEntry<>(c.string(), c.bytes()));
        }
        records++;
        return new BackupRecord(offset, timestamp, tsType, key, value, headers);
      } catch (ArrayIndexOutOfBoundsException e) {
        throw corrupt("has a malformed frame " + frameNo);
      }
    }

    /**
     * Checks the next record as {@link #next()} does, its frame's CRC and that its fields fit the frame, without
     * building it: verification reads every record of a backup and keeps none.
     *
     * @return false at the end frame
     */
    public boolean skip() {
      Cursor c = nextRecordFrame();
      if (c == null) {
        return false;
      }
      try {
        c.skip(8 + 8 + 1);
        c.skipBytes();
        c.skipBytes();
        for (int i = c.count(); i > 0; i--) {
          c.skip(c.i32()); // a header's name: a string, never null
          c.skipBytes();
        }
        records++;
        return true;
      } catch (ArrayIndexOutOfBoundsException e) {
        throw corrupt("has a malformed frame " + frameNo);
      }
    }

    /** Reads the next frame and checks its CRC; a cursor after its type byte for a record, null at the end frame. */
    private Cursor nextRecordFrame() {
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
          throw corrupt("has an impossible length " + length + " at frame " + frameNo);
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
          throw corrupt("has an unknown type " + type + " at frame " + frameNo);
        }
        return c;
      } catch (EOFException e) {
        throw corrupt("is truncated inside frame " + frameNo);
      } catch (IOException e) {
        throw corrupt("cannot be decompressed at frame " + frameNo + ": " + e.getMessage());
      } catch (ArrayIndexOutOfBoundsException e) {
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

  /**
   * zstd streaming compression between direct buffers. {@code ZstdOutputStream} compresses straight from the caller's
   * array inside a JNI critical section, and a garbage collection that comes due meanwhile waits and then runs as an
   * extra "GCLocker initiated" collection; with records waiting for the writers that kept G1 marking concurrently
   * during JSON backups (about 0.3 CPU-seconds per GB, see docs/benchmarks.md). Copying each chunk into a direct
   * buffer first costs a memcpy and takes the collector out of the loop. Buffers come from a small shared pool.
   */
  private static final class DirectZstd extends OutputStream {
    private static final int BUFFER = 128 * 1024;
    /** Idle direct buffers kept for the next segments (2 per open zstd segment; at most 8 MiB kept). */
    private static final ArrayBlockingQueue<ByteBuffer> POOL = new ArrayBlockingQueue<>(64);
    private final byte[] out = new byte[BUFFER];
    private final ByteBuffer in = buffer();
    private final ByteBuffer compressed = buffer();
    private final ZstdDirectBufferCompressingStreamNoFinalizer stream;
    /** Held while the native stream is in use; the native stream must never be freed under a running call. */
    private final ReentrantLock lock = new ReentrantLock();
    private boolean open = true;
    private volatile boolean discarded;

    DirectZstd(OutputStream sink, int level) throws IOException {
      this.stream = new ZstdDirectBufferCompressingStreamNoFinalizer(compressed, level) {
        @Override
        protected ByteBuffer flushBuffer(ByteBuffer full) throws IOException {
          full.flip();
          while (full.hasRemaining() && !discarded) {
            int n = Math.min(out.length, full.remaining());
            full.get(out, 0, n);
            sink.write(out, 0, n);
          }
          return full.clear();
        }
      };
    }

    private static ByteBuffer buffer() {
      ByteBuffer b = POOL.poll();
      return b != null ? b.clear() : ByteBuffer.allocateDirect(BUFFER);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      lock.lock();
      try {
        if (!open || discarded) {
          throw new IOException("segment compressor already " + (discarded ? "discarded" : "closed"));
        }
        while (len > 0) {
          int n = Math.min(len, BUFFER);
          in.clear().put(b, off, n).flip();
          stream.compress(in);
          off += n;
          len -= n;
        }
      } finally {
        lock.unlock();
      }
      if (discarded) {
        freeIfIdle(); // discarded by another thread while this write ran: that thread left the freeing to this one
      }
    }

    /** Ends the zstd frame, writing what remains of it to the sink (which stays open). */
    @Override
    public void close() throws IOException {
      lock.lock();
      try {
        end();
      } finally {
        lock.unlock();
      }
    }

    private void end() throws IOException {
      if (open) {
        open = false;
        try {
          stream.close(); // hands the end of the frame to flushBuffer (which drops it once discarded), frees the stream
        } finally {
          POOL.offer(in);
          POOL.offer(compressed);
        }
      }
    }

    /**
     * Frees the native stream and the buffers; nothing more reaches the sink. Never blocks and never throws: it runs
     * while a backup aborts, perhaps while a writer thread is still stuck in a write to the target, and an abort must
     * neither hang, nor hide the failure that caused it, nor skip the target's own abort. If a write is running, that
     * write frees the stream when it returns.
     */
    void discard() {
      discarded = true;
      freeIfIdle();
    }

    private void freeIfIdle() {
      if (lock.tryLock()) {
        try {
          end();
        } catch (IOException | RuntimeException e) {
          // the segment is abandoned; zstd's complaint about ending it changes nothing
        } finally {
          lock.unlock();
        }
      }
    }
  }
}
