/**
 * Opt-in Micrometer meters of the Kafka parts (the region-aware clients and backups), recorded only when an
 * application creates {@link io.streamdr.kafka.metrics.KafkaMeters} with its registry.
 */
package io.streamdr.kafka.metrics;
