package io.streamdr.core.backup;

import io.streamdr.core.internal.Checks;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A target that hands every call to another one: the base of a wrapper that changes one thing (counts what is read,
 * serves some objects from elsewhere) and keeps the rest, including the other target's own {@code stat},
 * {@code createIfAbsent} and clean-up.
 */
public abstract class ForwardingBackupTarget implements BackupTarget {
  private final BackupTarget delegate;

  protected ForwardingBackupTarget(BackupTarget delegate) {
    this.delegate = Checks.requireNonNull(delegate, "target");
  }

  /** The target the calls go to. */
  protected final BackupTarget delegate() {
    return delegate;
  }

  @Override
  public BackupOutputStream create(BackupKey key) {
    return delegate.create(key);
  }

  @Override
  public InputStream open(BackupKey key) {
    return delegate.open(key);
  }

  @Override
  public List<BackupObject> list(String prefix) {
    return delegate.list(prefix);
  }

  @Override
  public void delete(BackupKey key) {
    delegate.delete(key);
  }

  @Override
  public Optional<BackupObject> stat(BackupKey key) {
    return delegate.stat(key);
  }

  @Override
  public boolean exists(BackupKey key) {
    return delegate.exists(key);
  }

  @Override
  public boolean createIfAbsent(BackupKey key, byte[] bytes) {
    return delegate.createIfAbsent(key, bytes);
  }

  @Override
  public CleanUp removeAbandonedWrites() {
    return delegate.removeAbandonedWrites();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
