package io.streamdr.kafka.internal.compress;

import com.github.luben.zstd.ZstdDirectBufferCompressingStreamNoFinalizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * zstd streaming compression between direct buffers. {@code ZstdOutputStream} compresses straight from the caller's
 * array inside a JNI critical section, and a garbage collection that comes due meanwhile waits and then runs as an
 * extra "GCLocker initiated" collection; with records waiting for the writers that kept G1 marking concurrently
 * during JSON backups (about 0.3 CPU-seconds per GB, see docs/benchmarks.md). Copying each chunk into a direct
 * buffer first costs a memcpy and takes the collector out of the loop. Buffers come from a small shared pool.
 */
public final class ZstdDirectOutputStream extends OutputStream {
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

  /** Compresses at {@code level} into {@code sink}, which it never closes. */
  public ZstdDirectOutputStream(OutputStream sink, int level) throws IOException {
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
  public void discard() {
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
