package io.streamdr.core;

/** Backup bytes failed a checksum or structural check; the message names the backup, object and position. */
public class BackupCorruptedException extends DrException {
  public BackupCorruptedException(String backupObject, String message) {
    super(ResourceType.BACKUP, backupObject, message, null, false);
  }

  public BackupCorruptedException(String backupObject, String message, Throwable cause) {
    super(ResourceType.BACKUP, backupObject, message, cause, false);
  }
}
