package io.streamdr.kafka.internal.segment;

import io.streamdr.core.BackupIoException;
import io.streamdr.kafka.backup.BackupRecord;
import io.streamdr.kafka.internal.compress.ZstdDirectOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes records into a segment. Frames are built in place, one after another, in one buffer that goes to the sink
 * (through zstd if chosen) a chunk at a time, so a record's bytes are copied once. The first {@link SegmentFormat#PROBE_BYTES}
 * of frames are held until the codec is chosen: zstd if it saves at least 10 % of them, none otherwise (random or
 * already compressed payloads, where zstd would only cost time). Not thread-safe. Closing writes the end frame; it
 * does not close the sink. A writer that will not be closed (its segment is abandoned) must be {@link #discard()}ed,
 * which frees zstd's native state.
 */
public final class SegmentWriter implements AutoCloseable {
  /** Frames gathered before they go to the sink once the codec is chosen. */
  private static final int CHUNK = 128 * 1024;
  private final OutputStream sink;
  private final String name;
  private final int level;
  private OutputStream out;
  /** Volatile: a backup that aborts discards the writer from another thread. */
  private volatile ZstdDirectOutputStream zstd;
  private int codec = -1;
  private final CRC32C crc = new CRC32C();
  private byte[] buf = new byte[SegmentFormat.PROBE_BYTES + CHUNK];
  private int len;
  private int frameStart;
  private long records;
  private long first = -1;
  private long last = -1;
  private long uncompressed;

  /**
   * @param sink  where the segment goes; never closed by the writer
   * @param name  the segment's key, used in error messages
   * @param level zstd's compression level, if zstd is chosen
   */
  public SegmentWriter(OutputStream sink, String name, int level) {
    this.sink = sink;
    this.name = name;
    this.level = level;
  }

  private BackupIoException failed(IOException e) {
    return new BackupIoException(name, "write segment", e);
  }

  /** Chooses the codec from the frames held so far and writes the segment header. */
  private void chooseCodec() throws IOException {
    long compressed = len == 0 ? 0 : com.github.luben.zstd.Zstd.compress(Arrays.copyOf(buf, len), level).length;
    codec = compressed <= len * (1 - SegmentFormat.MIN_SAVING) ? SegmentFormat.CODEC_ZSTD : SegmentFormat.CODEC_NONE;
    sink.write(SegmentFormat.MAGIC);
    sink.write(SegmentFormat.VERSION);
    sink.write(codec);
    out = sink;
    if (codec == SegmentFormat.CODEC_ZSTD) {
      zstd = new ZstdDirectOutputStream(sink, level);
      out = zstd;
    }
  }

  /** The codec chosen for this segment ({@code 0} none, {@code 1} zstd), or -1 while still probing. */
  public int codec() {
    return codec;
  }

  public void write(BackupRecord r) {
    write(r.offset(), r.timestamp(), r.timestampType(), r.key() == null ? null : ByteBuffer.wrap(r.key()),
        r.value() == null ? null : ByteBuffer.wrap(r.value()), r.headers());
  }

  /** Writes a record whose key and value are buffers (their remaining bytes; positions are left unchanged). */
  public void write(long offset, long timestamp, byte timestampType, ByteBuffer key, ByteBuffer value,
      List<Map.Entry<String, byte[]>> headers) {
    startFrame();
    u8(SegmentFormat.TYPE_RECORD);
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

  private void endFrame() {
    int body = frameStart + 8;
    int length = len - body;
    crc.reset();
    crc.update(buf, body, length);
    putI32(frameStart, length);
    putI32(frameStart + 4, (int) crc.getValue());
    uncompressed += 8L + length;
    if (len >= (codec < 0 ? SegmentFormat.PROBE_BYTES : CHUNK)) {
      drain();
    }
  }

  /** Hands the gathered frames to the sink, choosing the codec first if still probing. */
  private void drain() {
    try {
      if (codec < 0) {
        chooseCodec();
      }
      out.write(buf, 0, len);
    } catch (IOException e) {
      throw failed(e);
    }
    len = 0;
    if (buf.length > 4 * (SegmentFormat.PROBE_BYTES + CHUNK)) {
      buf = new byte[SegmentFormat.PROBE_BYTES + CHUNK]; // grown for a large record: memory stays bounded per open segment
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

  /** Writes the end frame and flushes the sink, which stays open. */
  @Override
  public void close() {
    startFrame();
    u8(SegmentFormat.TYPE_END);
    i64(records);
    i64(first);
    i64(last);
    endFrame();
    drain();
    try {
      if (zstd != null) {
        zstd.close();
      }
      sink.flush();
    } catch (IOException e) {
      throw failed(e);
    }
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
