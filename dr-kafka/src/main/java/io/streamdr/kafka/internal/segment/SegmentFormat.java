package io.streamdr.kafka.internal.segment;

import java.nio.charset.StandardCharsets;

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
 * All integers big-endian. A segment without its end frame is truncated. Written by {@link SegmentWriter}, read
 * and checked by {@link SegmentReader}.
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
}
