package io.streamdr.core.backup;

import java.io.OutputStream;
import java.util.Optional;

/**
 * The stream returned by {@link BackupTarget#create}. Bytes written become visible under the key only when
 * {@link #close()} returns normally (atomic publish). {@link #abort()} discards them; an object whose stream was
 * never closed (the process died) is never visible.
 *
 * <p>Not thread-safe: one writer per stream.
 */
public abstract class BackupOutputStream extends OutputStream {
  /**
   * Discards everything written and releases resources. The key keeps whatever object it had before (or none).
   * Idempotent; calling {@link #close()} after {@code abort()} publishes nothing.
   */
  public abstract void abort();

  /**
   * Publishes the object. Throws {@link io.streamdr.core.BackupIoException} if it cannot; then nothing is published.
   */
  @Override
  public abstract void close();

  /**
   * Whether this stream computes the SHA-256 of what it publishes while it is written, so {@link #sha256()} reports
   * it and callers need not hash the same bytes a second time. False unless a target says otherwise.
   */
  public boolean computesSha256() {
    return false;
  }

  /**
   * Once {@link #close()} returned: the SHA-256 (lowercase hex) of the bytes published, if {@link #computesSha256()};
   * empty otherwise.
   */
  public Optional<String> sha256() {
    return Optional.empty();
  }
}
