/**
 * Kafka health probes: brokers and controller reachable, partitions under-replicated or offline, and consumer
 * group lag.
 */
package io.streamdr.kafka.health;
