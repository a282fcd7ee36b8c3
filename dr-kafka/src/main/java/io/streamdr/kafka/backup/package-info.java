/**
 * Backup and restore of Kafka topics: {@link io.streamdr.kafka.backup.TopicBackup} writes full and incremental
 * backups in checksummed segments with a manifest; {@link io.streamdr.kafka.backup.TopicRestore} restores them byte
 * for byte (keys, values, headers, timestamps, partitions) and resumes without duplicates;
 * {@link io.streamdr.kafka.backup.BackupCatalog} lists, verifies and prunes them.
 */
package io.streamdr.kafka.backup;
