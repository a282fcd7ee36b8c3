package io.streamdr.core.backup;

import io.streamdr.core.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * A published object in a {@link BackupTarget}.
 *
 * @param key          its key
 * @param size         its length in bytes
 * @param lastModified when it was published
 * @param sha256       lowercase hex SHA-256 of its bytes, if the target knows it without reading the object
 */
public record BackupObject(BackupKey key, long size, Instant lastModified, Optional<String> sha256) {
  public BackupObject {
    Checks.requireNonNull(key, "key");
    Checks.requireNonNegative(size, "size");
    Checks.requireNonNull(lastModified, "lastModified");
    sha256 = sha256 == null ? Optional.empty() : sha256;
  }
}
