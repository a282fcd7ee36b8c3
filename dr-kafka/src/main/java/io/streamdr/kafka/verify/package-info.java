/**
 * The Kafka {@link io.streamdr.core.verify.IntegrityVerifier}: reads source and copy (another cluster, a renamed
 * replica, or a backup) up to a cut and compares them partition by partition.
 */
package io.streamdr.kafka.verify;
