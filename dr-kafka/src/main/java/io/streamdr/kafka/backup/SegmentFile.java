package io.streamdr.kafka.backup;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Sha256;
import io.streamdr.kafka.internal.Consumers;
import io.streamdr.kafka.internal.segment.SegmentWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One segment being written to a {@link BackupTarget}: frames appended in offset order, then published atomically
 * with its SHA-256 and a sidecar of its {@link SegmentStats}, or aborted, leaving nothing.
 */
final class SegmentFile {
  private final BackupTarget target;
  private final BackupKey key;
  private final BackupOutputStream out;
  private final MessageDigest sha = Sha256.digest();
  private final SegmentWriter writer;
  private long bytes;
  private long firstTs = -1;
  private long maxTs = -1;

  SegmentFile(BackupTarget target, BackupKey key, int compressionLevel) {
    this.target = target;
    this.key = key;
    this.out = target.create(key);
    // a target that hashes what it writes reports the SHA-256 itself: the bytes are hashed once
    OutputStream hashed = out.computesSha256() ? out : new DigestOutputStream(out, sha);
    OutputStream counted = new FilterOutputStream(hashed) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        this.out.write(b, off, len); // straight to the stream below, not byte by byte
        bytes += len;
      }

      @Override
      public void write(int b) throws IOException {
        this.out.write(b);
        bytes++;
      }
    };
    this.writer = new SegmentWriter(counted, key.value(), compressionLevel);
  }

  void write(ConsumerRecord<ByteBuffer, ByteBuffer> r) {
    write(r.offset(), r.timestamp(), (byte) r.timestampType().id, r.key(), r.value(), Consumers.headers(r));
  }

  /** Appends a record whose key and value are buffers (their remaining bytes). */
  void write(long offset, long timestamp, byte timestampType, ByteBuffer key, ByteBuffer value,
      List<Map.Entry<String, byte[]>> headers) {
    writer.write(offset, timestamp, timestampType, key, value, headers);
    if (firstTs < 0) {
      firstTs = timestamp;
    }
    maxTs = Math.max(maxTs, timestamp);
  }

  /** Bytes appended before compression: what the segment size limit counts. */
  long uncompressedBytes() {
    return writer.uncompressedBytes();
  }

  SegmentStats publish() {
    try {
      writer.close();
    } catch (BackupIoException e) {
      out.abort();
      throw e;
    }
    out.close();
    String sha256 = out.computesSha256()
        ? out.sha256().orElseThrow(() -> new IllegalStateException("target " + target + " did not report the SHA-256 of " + key))
        : HexFormat.of().formatHex(sha.digest());
    SegmentStats stats = new SegmentStats(key.value(), writer.firstOffset(), writer.lastOffset(), writer.records(), firstTs,
        maxTs, bytes, sha256);
    try {
      target.put(PublishedSegments.sidecar(key), Json.MAPPER.writeValueAsBytes(stats));
    } catch (IOException e) {
      throw new BackupIoException(key, "write stats of", e);
    }
    return stats;
  }

  void abort() {
    out.abort(); // first: a writer still blocked writing to the target is released by the abort
    writer.discard();
  }
}
