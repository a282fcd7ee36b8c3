package io.streamdr.kafka.internal.segment;

import com.github.luben.zstd.ZstdInputStream;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.kafka.backup.BackupRecord;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.LoggerFactory;

/**
 * Reads a segment, checking every frame's CRC and that the end frame is present and consistent. A segment that
 * fails a check is a {@link BackupCorruptedException}; a source that fails to deliver its bytes (a store's connection
 * reset) is a retryable {@link BackupIoException}, never mistaken for damage.
 */
public final class SegmentReader implements AutoCloseable {
  /** The window frames are read into and checked in place; grown for a larger frame, shrunk back after it. */
  private static final int WINDOW = 256 * 1024;
  private final String name;
  /** The payload: the frames as stored, or as zstd decompresses them. */
  private final InputStream in;
  private final CRC32C crc = new CRC32C();
  private byte[] win = new byte[WINDOW];
  private int pos;
  private int lim;
  private long frameNo;
  private long records;
  private boolean ended;

  /** @param name the segment's key, used in error messages */
  public SegmentReader(InputStream source, String name) {
    this.name = name;
    InputStream raw = new BufferedInputStream(new SourceStream(source), 64 * 1024);
    byte[] magic;
    try {
      magic = raw.readNBytes(SegmentFormat.MAGIC.length + 2);
    } catch (IOException e) {
      throw unreadable(e);
    }
    if (magic.length < SegmentFormat.MAGIC.length + 2 || !Arrays.equals(Arrays.copyOf(magic, SegmentFormat.MAGIC.length), SegmentFormat.MAGIC)) {
      throw corrupt("does not start with the segment magic 'SDRSEG'");
    }
    if (magic[SegmentFormat.MAGIC.length] != SegmentFormat.VERSION) {
      throw corrupt("has format version " + magic[SegmentFormat.MAGIC.length] + "; this library reads version " + SegmentFormat.VERSION);
    }
    int codec = magic[SegmentFormat.MAGIC.length + 1];
    if (codec != SegmentFormat.CODEC_ZSTD && codec != SegmentFormat.CODEC_NONE) {
      throw corrupt("uses unknown codec " + codec);
    }
    try {
      this.in = codec == SegmentFormat.CODEC_ZSTD ? new ZstdInputStream(raw) : raw;
    } catch (IOException e) {
      throw unreadable(e);
    }
  }

  /** A failure of the source itself, told apart from zstd's complaints about what it read. */
  private static final class SourceFailure extends IOException {
    SourceFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** Marks the source's own failures, so that they are not reported as a damaged segment. */
  private static final class SourceStream extends FilterInputStream {
    SourceStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        throw new SourceFailure(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        throw new SourceFailure(e);
      }
    }
  }

  private RuntimeException unreadable(IOException e) {
    if (e instanceof SourceFailure f) {
      return new BackupIoException(name, "read segment", (IOException) f.getCause());
    }
    return corrupt("cannot be decompressed: " + e.getMessage());
  }

  private BackupCorruptedException corrupt(String what) {
    return new BackupCorruptedException(name, "segment '%s' %s; the backup is damaged — restore from another backup"
        .formatted(name, what));
  }

  /** The next record, or null at the end frame. */
  public BackupRecord next() {
    FrameCursor c = nextRecordFrame();
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
    FrameCursor c = nextRecordFrame();
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

  /**
   * Makes at least {@code n} bytes available in the window from {@code pos}, reading the payload in large chunks;
   * false if it ends first.
   */
  private boolean fill(int n) throws IOException {
    if (lim - pos >= n) {
      return true;
    }
    boolean shrink = win.length > 4 * WINDOW && n <= WINDOW && lim - pos <= WINDOW / 2; // memory stays bounded per reader
    if (pos + n > win.length || shrink) {
      byte[] to = n > win.length ? new byte[Math.max(n, win.length * 2)] : shrink ? new byte[WINDOW] : win;
      System.arraycopy(win, pos, to, 0, lim - pos);
      win = to;
      lim -= pos;
      pos = 0;
    }
    while (lim - pos < n) {
      int r = in.read(win, lim, win.length - lim);
      if (r < 0) {
        return false;
      }
      lim += r;
    }
    return true;
  }

  private int i32(int at) {
    return ((win[at] & 0xff) << 24) | ((win[at + 1] & 0xff) << 16) | ((win[at + 2] & 0xff) << 8) | (win[at + 3] & 0xff);
  }

  /**
   * Reads the next frame into the window and checks its CRC there; a cursor after its type byte for a record (valid
   * until the next frame is read), null at the end frame.
   */
  private FrameCursor nextRecordFrame() {
    if (ended) {
      return null;
    }
    try {
      if (!fill(4)) {
        throw corrupt("is truncated: it ends without its end frame after " + records + " records");
      }
      int length = i32(pos);
      frameNo++;
      if (!fill(8)) {
        throw corrupt("is truncated inside frame " + frameNo);
      }
      int expected = i32(pos + 4);
      if (length < 1 || length > SegmentFormat.MAX_FRAME) {
        throw corrupt("has an impossible length " + length + " at frame " + frameNo);
      }
      if (!fill(8 + length)) {
        throw corrupt("is truncated inside frame " + frameNo);
      }
      int body = pos + 8;
      pos = body + length;
      crc.reset();
      crc.update(win, body, length);
      if ((int) crc.getValue() != expected) {
        throw corrupt("fails its CRC32C check at frame " + frameNo);
      }
      FrameCursor c = new FrameCursor(win, body, body + length);
      byte type = c.u8();
      if (type == SegmentFormat.TYPE_END) {
        long count = c.i64();
        if (count != records) {
          throw corrupt("declares " + count + " records in its end frame but holds " + records);
        }
        ended = true;
        return null;
      }
      if (type != SegmentFormat.TYPE_RECORD) {
        throw corrupt("has an unknown type " + type + " at frame " + frameNo);
      }
      return c;
    } catch (SourceFailure e) {
      throw unreadable(e);
    } catch (IOException e) {
      throw corrupt("cannot be decompressed at frame " + frameNo + ": " + e.getMessage());
    } catch (ArrayIndexOutOfBoundsException e) {
      throw corrupt("has a malformed frame " + frameNo);
    }
  }

  /** Closes the source. */
  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      LoggerFactory.getLogger(SegmentReader.class).debug("Closing segment '{}' failed: {}", name, e.toString());
    }
  }
}
