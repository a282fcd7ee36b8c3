/**
 * Where backups are kept: the {@link io.streamdr.core.backup.BackupTarget} interface (keys, objects written
 * atomically or not at all, exclusive creation, listing) and its file-system implementation. What is written there,
 * topic data or connector configuration, is decided by the modules that write it.
 */
package io.streamdr.core.backup;
