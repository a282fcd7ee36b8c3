/**
 * What every Kafka operation of StreamDR shares: {@link io.streamdr.kafka.KafkaClientFactory}, the one place its
 * backups, restores and verifications get their Kafka clients from.
 */
package io.streamdr.kafka;
