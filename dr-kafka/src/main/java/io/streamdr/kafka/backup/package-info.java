/**
 * Backups of Kafka topics: {@link io.streamdr.kafka.backup.TopicBackup} writes full and incremental backups in
 * checksummed segments with a manifest ({@link io.streamdr.kafka.backup.BackupManifest});
 * {@link io.streamdr.kafka.backup.BackupChain} resolves and verifies a chain of them and reads a partition's records
 * through it; {@link io.streamdr.kafka.backup.BackupCatalog} lists, verifies and prunes them. Restoring them is
 * {@link io.streamdr.kafka.restore}'s.
 */
package io.streamdr.kafka.backup;
