package io.streamdr.core.backup;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where backup bytes live: a directory, an S3 bucket, memory.
 *
 * <p>Implementations are thread-safe; calls block until done. Publishing is atomic: an object is visible to
 * {@link #open}, {@link #list} and {@link #stat} only after its {@link BackupOutputStream} closed successfully, and a
 * crash mid-write never leaves a partial object under the real key. Writing to an existing key replaces it
 * atomically.
 *
 * <pre>{@code
 * BackupTarget target = new FileSystemBackupTarget(Path.of("/var/backups/streamdr"));
 * target.write(BackupKey.of("topics", "orders", "manifest.json"), out -> out.write(json));
 * byte[] back = target.readAll(BackupKey.of("topics", "orders", "manifest.json"));
 * }</pre>
 */
public interface BackupTarget {

  /** Starts writing an object; it is published when the returned stream closes. */
  BackupOutputStream create(BackupKey key);

  /** Opens a published object for reading. @throws NotFoundException if there is none under the key */
  InputStream open(BackupKey key);

  /** Published objects whose key starts with {@code prefix} (a plain string prefix, "" for all), sorted by key. */
  List<BackupObject> list(String prefix);

  /** Deletes an object. Idempotent: deleting an absent key does nothing. */
  void delete(BackupKey key);

  /** Describes one published object, if present. */
  default Optional<BackupObject> stat(BackupKey key) {
    return list(key.value()).stream().filter(o -> o.key().equals(key)).findFirst();
  }

  /** Whether an object is published under the key. */
  default boolean exists(BackupKey key) {
    return stat(key).isPresent();
  }

  /**
   * Writes an object with a callback; if the callback throws, the write is aborted and nothing is published.
   *
   * @return the published object
   */
  default BackupObject write(BackupKey key, Writer body) {
    BackupOutputStream out = create(key);
    try {
      body.writeTo(out);
    } catch (IOException e) {
      out.abort();
      throw new BackupIoException(key, "write", e);
    } catch (RuntimeException | Error e) {
      out.abort();
      throw e;
    }
    out.close();
    return stat(key).orElseThrow(() -> new NotFoundException(ResourceType.BACKUP, key.value(),
        "Backup object '%s' was written but is not listed; check the target's consistency".formatted(key)));
  }

  /** Writes a whole object from bytes. */
  default BackupObject put(BackupKey key, byte[] bytes) {
    return write(key, out -> out.write(bytes));
  }

  /** Reads a whole object into memory; for small objects such as manifests. */
  default byte[] readAll(BackupKey key) {
    try (InputStream in = open(key)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new BackupIoException(key, "read", e);
    }
  }

  /**
   * Publishes {@code bytes} under {@code key} only if nothing is published there, atomically: of several concurrent
   * calls for one key, from any number of processes, exactly one returns true. Meant for small coordination objects
   * such as the agent's leases, not for backups.
   *
   * @return true if this call published the object, false if an object was already there (it is left unchanged)
   * @throws UnsupportedOperationException if the target cannot create exclusively
   */
  default boolean createIfAbsent(BackupKey key, byte[] bytes) {
    throw new UnsupportedOperationException(("%s cannot publish objects exclusively, which the agent's leases need; keep"
        + " the backups in a directory or an S3 bucket").formatted(getClass().getSimpleName()));
  }

  /**
   * Removes what writes abandoned by dead processes left behind (temporary files, unfinished uploads), never the
   * temporary objects of a write still in progress in any process. Backups call it when they start and
   * {@code backups prune} when it runs. The default removes nothing, for targets that leave nothing behind.
   *
   * @return what was removed
   */
  default CleanUp removeAbandonedWrites() {
    return CleanUp.NONE;
  }

  /**
   * What {@link #removeAbandonedWrites()} removed.
   *
   * @param objects temporary objects removed
   * @param bytes   their size
   */
  record CleanUp(int objects, long bytes) {
    public static final CleanUp NONE = new CleanUp(0, 0);
  }

  /** Writes the bytes of one object; may throw {@link IOException}. */
  @FunctionalInterface
  interface Writer {
    void writeTo(OutputStream out) throws IOException;
  }
}
