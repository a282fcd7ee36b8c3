/**
 * Restore of Kafka topics from StreamDR's backups: {@link io.streamdr.kafka.restore.TopicRestore} writes a backup
 * chain into a cluster byte for byte (keys, values, headers, timestamps, partitions), renamed, selected or cut at a
 * point in time; it judges every target partition by content first ({@link io.streamdr.kafka.restore.RestorePlan}),
 * so it resumes without duplicates and refuses a partition holding other records, and reports what it wrote
 * ({@link io.streamdr.kafka.restore.RestoreReport}).
 */
package io.streamdr.kafka.restore;
