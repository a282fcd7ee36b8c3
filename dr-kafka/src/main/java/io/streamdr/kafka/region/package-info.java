/**
 * Region-aware Kafka clients: a producer and a consumer that follow the active region, switching their bootstrap
 * servers without losing an acknowledged record, consumers resuming from translated offsets; and the
 * {@link io.streamdr.kafka.region.KafkaActiveRegionStore} that records switches in a Kafka topic.
 */
package io.streamdr.kafka.region;
