package io.streamdr.core;

import io.streamdr.core.backup.BackupKey;
import java.io.IOException;

/** Reading or writing backup bytes failed with an I/O error. Retryable. */
public class BackupIoException extends DrException {
  public BackupIoException(BackupKey key, String what, IOException cause) {
    super(ResourceType.BACKUP, key == null ? null : key.value(),
        "Could not %s backup object '%s': %s".formatted(what, key, cause.getMessage()), cause, true);
  }

  public BackupIoException(String location, String what, IOException cause) {
    super(ResourceType.BACKUP, location, "Could not %s '%s': %s".formatted(what, location, cause.getMessage()), cause, true);
  }
}
