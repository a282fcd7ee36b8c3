package io.streamdr.core.backup;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link FileSystemBackupTarget}'s bytes reach its files: with direct I/O where the file system takes it (from
 * aligned memory straight to the disk, whole blocks only), through the page cache elsewhere; either way through two
 * buffers per file, one filled by the caller while the other is written on a background thread. Buffers of finished
 * files are pooled for the next ones. One per target; thread-safe, each {@link Writer} used by one thread.
 */
final class FileWrites {
  private static final int POOLED_BUFFERS = 32;
  /** Bytes a writer gathers before handing them to the file (the first buffer of a writer is smaller: most are). */
  private static final int BUFFER = 1024 * 1024;
  private static final int FIRST_BUFFER = 64 * 1024;

  /** Alignment for direct I/O, or 0 when the file system does not take it (writes then go through the page cache). */
  private final int directAlignment;
  /** Write buffers of finished writers, reused by the next ones. */
  private final ConcurrentLinkedQueue<ByteBuffer> buffers = new ConcurrentLinkedQueue<>();
  /**
   * Writes buffers to files while their writers fill the next ones; one write in flight per writer keeps order. Its
   * threads end after 10 s idle, so a target needs no closing.
   */
  private final ThreadPoolExecutor fileWrites = new ThreadPoolExecutor(4, 4, 10, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "streamdr-file-writes");
        t.setDaemon(true);
        return t;
      });

  /** Writes to files in {@code dir}, with direct I/O if {@code tryDirectIo} and the file system takes it. */
  FileWrites(Path dir, boolean tryDirectIo) {
    fileWrites.allowCoreThreadTimeOut(true);
    this.directAlignment = tryDirectIo ? probeDirectIo(dir) : 0;
  }

  /**
   * The block size to align direct writes to, if {@code dir}'s file system takes direct ({@code O_DIRECT}) writes of
   * whole blocks from aligned memory, else 0. Tried once, with a real write: some network and FUSE file systems, tmpfs
   * before Linux 6.6 and platforms without {@code O_DIRECT} refuse it, and then files go through the page cache.
   */
  private static int probeDirectIo(Path dir) {
    Path probe = dir.resolve(UUID.randomUUID() + ".probe");
    try {
      long block = Math.max(4096, Files.getFileStore(dir).getBlockSize());
      if (FIRST_BUFFER % block != 0) {
        return 0; // buffers could not be whole blocks
      }
      try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
        ByteBuffer b = ByteBuffer.allocateDirect((int) (2 * block)).alignedSlice((int) block);
        b.limit((int) block);
        ch.write(b);
        ch.truncate(1);
      }
      return (int) block;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return 0;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // removed by removeAbandonedWrites once an hour old
      }
    }
  }

  /** Whether files are written with direct I/O. */
  boolean direct() {
    return directAlignment > 0;
  }

  /** A writer of a new file at {@code path}. @throws IOException if it cannot be created (it exists, say) */
  Writer create(Path path) throws IOException {
    FileChannel channel = direct()
        ? FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)
        : FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new Writer(channel);
  }

  /** Takes a buffer from the pool, or allocates one; direct memory, aligned for direct I/O when it is used. */
  private ByteBuffer buffer(int capacity) {
    ByteBuffer b = capacity == BUFFER ? buffers.poll() : null;
    if (b == null) {
      b = direct()
          ? ByteBuffer.allocateDirect(capacity + directAlignment).alignedSlice(directAlignment)
          : ByteBuffer.allocateDirect(capacity);
    }
    return b.clear().limit(capacity);
  }

  private void release(ByteBuffer b) {
    if (b != null && b.capacity() >= BUFFER && buffers.size() < POOLED_BUFFERS) {
      buffers.offer(b);
    }
  }

  /**
   * Writes one file through two buffers: the caller fills one while the other is written. With direct I/O every
   * write is whole blocks; the last block is padded, then the file is cut to its size.
   */
  final class Writer {
    private final FileChannel channel;
    private ByteBuffer buffer;
    private ByteBuffer spare;
    private Future<?> writing;
    private long size;

    private Writer(FileChannel channel) {
      this.channel = channel;
      this.buffer = buffer(FIRST_BUFFER);
    }

    void write(int b) throws IOException {
      if (!buffer.hasRemaining()) {
        handOff();
      }
      buffer.put((byte) b);
      size++;
    }

    void write(byte[] b, int off, int len) throws IOException {
      size += len;
      while (len > 0) {
        if (!buffer.hasRemaining()) {
          handOff();
        }
        int n = Math.min(len, buffer.remaining());
        buffer.put(b, off, n);
        off += n;
        len -= n;
      }
    }

    /** The bytes written so far. */
    long size() {
      return size;
    }

    /** Starts writing the full buffer to the file and continues in the other one, once that one is written. */
    private void handOff() throws IOException {
      awaitWriting();
      ByteBuffer full = buffer.flip();
      writing = fileWrites.submit(() -> {
        while (full.hasRemaining()) {
          channel.write(full);
        }
        return null;
      });
      release(spare); // written already: back to the pool, from which the next buffer comes
      buffer = buffer(BUFFER);
      spare = full;
    }

    private void awaitWriting() throws IOException {
      if (writing == null) {
        return;
      }
      try {
        writing.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Interrupted while writing " + channel);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      } finally {
        writing = null;
      }
    }

    /**
     * Writes what is buffered (with direct I/O padded to a whole block, then cut to the size), forces it to the disk
     * and closes the file; the buffers go back to the pool.
     */
    void finish() throws IOException {
      if (direct()) {
        int padded = (buffer.position() + directAlignment - 1) / directAlignment * directAlignment;
        while (buffer.position() < padded) {
          buffer.put((byte) 0);
        }
      }
      handOff();
      awaitWriting();
      if (direct()) {
        channel.truncate(size);
      }
      releaseBuffers();
      channel.force(true);
      channel.close();
    }

    /** Waits for a write in flight, returns the buffers and closes the file, reporting nothing: it is discarded. */
    void discard() {
      try {
        awaitWriting();
      } catch (IOException ignored) {
        // discarding anyway
      }
      releaseBuffers();
      try {
        channel.close();
      } catch (IOException ignored) {
        // discarding anyway
      }
    }

    private void releaseBuffers() {
      release(buffer);
      release(spare);
      buffer = null;
      spare = null;
    }
  }
}
