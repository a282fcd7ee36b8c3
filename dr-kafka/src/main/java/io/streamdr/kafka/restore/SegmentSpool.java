package io.streamdr.kafka.restore;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.ForwardingBackupTarget;
import io.streamdr.kafka.backup.BackupChain;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore's local copy of the segments it verified, so that a backup in a remote store (S3) is downloaded once,
 * not once to verify and again to produce. Verification reads each segment through {@link #verify}, which writes
 * every byte it reads to a file in the spool directory; the copy is kept only once the segment passed (its SHA-256
 * matched the manifest, so the copy is those bytes exactly). {@link #target()} then serves kept copies and reads
 * everything else from the store. A copy that cannot be written (the disk filled up) is dropped and that segment is
 * read from the store again: spooling never fails a restore. Closing deletes the spool directory.
 */
final class SegmentSpool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentSpool.class);
  private final BackupTarget source;
  private final Path dir;
  private final Map<String, Path> kept = new ConcurrentHashMap<>();
  private final AtomicLong names = new AtomicLong();

  private SegmentSpool(BackupTarget source, Path dir) {
    this.source = source;
    this.dir = dir;
  }

  /**
   * A spool in a new directory under {@code parent} for a restore that reads {@code bytes} of segments from
   * {@code source}; null (read the store twice) where the parent cannot hold them with room to spare or cannot be
   * written, which is logged.
   */
  static SegmentSpool open(BackupTarget source, Path parent, long bytes, String backupId) {
    try {
      Files.createDirectories(parent);
      long free = Files.getFileStore(parent).getUsableSpace();
      if (free < bytes + bytes / 10 + 64L * 1024 * 1024) {
        LOG.info("Restore of {}: not keeping a local copy of its {} MB of segments, {} has {} MB free; each segment is read from the store"
            + " twice (to verify, then to produce)", backupId, bytes / 1_000_000, parent, free / 1_000_000);
        return null;
      }
      Path dir = Files.createTempDirectory(parent, "streamdr-restore-");
      LOG.info("Restore of {}: keeping a local copy of the {} MB of segments it verifies in {}, so each is read from the store once;"
          + " deleted when the restore ends", backupId, bytes / 1_000_000, dir);
      return new SegmentSpool(source, dir);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info("Restore of {}: cannot keep a local copy of its segments in {} ({}); each segment is read from the store twice", backupId,
          parent, e.toString());
      return null;
    }
  }

  /** The directory the copies are kept in. */
  Path directory() {
    return dir;
  }

  /** Verifies a segment as {@link BackupChain#verify(BackupTarget, BackupChain.Segment)} does, keeping a copy if it passes. */
  long verify(BackupChain.Segment segment) {
    String key = segment.entry().key();
    Path copy = dir.resolve(names.incrementAndGet() + ".seg");
    Tee tee = new Tee(copy);
    long records;
    try {
      records = BackupChain.verify(tee, segment);
    } catch (RuntimeException e) {
      tee.finish();
      delete(copy);
      throw e;
    }
    tee.finish();
    if (tee.complete()) {
      kept.put(key, copy);
    } else {
      delete(copy);
    }
    return records;
  }

  /** The store, with the segments that passed verification read from their local copies. */
  BackupTarget target() {
    return new ForwardingBackupTarget(source) {
      @Override
      public InputStream open(BackupKey key) {
        Path copy = kept.get(key.value());
        if (copy != null) {
          try {
            return Files.newInputStream(copy);
          } catch (IOException e) {
            LOG.debug("Local copy of segment '{}' unreadable ({}); reading it from the store", key, e.toString());
          }
        }
        return source.open(key);
      }
    };
  }

  /** How many segments have a local copy. */
  int kept() {
    return kept.size();
  }

  @Override
  public void close() {
    kept.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(SegmentSpool::delete);
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("Could not delete the restore's local copies of its segments in {}: {}; delete the directory by hand", dir, e.toString());
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.debug("Could not delete {}: {}", p, e.toString());
    }
  }

  /**
   * Reads the store as the verification asks, copying every byte read, in order, into one file. A write that fails
   * drops the copy (and stops copying); the reading goes on.
   */
  private final class Tee extends ForwardingBackupTarget {
    private final Path copy;
    private OutputStream out;
    private boolean failed;
    private boolean ended;

    Tee(Path copy) {
      super(source);
      this.copy = copy;
    }

    @Override
    public InputStream open(BackupKey key) {
      InputStream in = source.open(key);
      try {
        out = Files.newOutputStream(copy);
      } catch (IOException e) {
        drop(e);
      }
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b < 0) {
            ended = true;
          } else if (out != null && !failed) {
            try {
              out.write(b);
            } catch (IOException e) {
              drop(e);
            }
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          if (n < 0) {
            ended = true;
          } else {
            copy(b, off, n);
          }
          return n;
        }

        @Override
        public long skip(long n) throws IOException {
          byte[] skipped = new byte[(int) Math.min(n, 8192)];
          int read = read(skipped, 0, skipped.length); // through the copy, never around it
          return Math.max(read, 0);
        }
      };
    }

    private void copy(byte[] b, int off, int len) {
      if (out != null && !failed) {
        try {
          out.write(b, off, len);
        } catch (IOException e) {
          drop(e);
        }
      }
    }

    private void drop(IOException e) {
      failed = true;
      LOG.debug("Dropping the local copy {} ({}); that segment is read from the store again", copy, e.toString());
    }

    /** Closes the copy; true from {@link #complete()} only if it holds every byte up to the end of the object. */
    void finish() {
      if (out != null) {
        try {
          out.close();
        } catch (IOException e) {
          drop(e);
        }
      }
    }

    boolean complete() {
      return out != null && !failed && ended;
    }
  }
}
