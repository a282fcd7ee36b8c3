/**
 * Kafka Connect adapters: the Connect REST and Confluent Cloud
 * {@link io.streamdr.core.connect.ConnectorAdmin}s, connector configuration snapshots and their backup, the handover of
 * running connectors between two Connect clusters with their offsets, Debezium's PostgreSQL offsets and the
 * replication-slot check that fences a region's Debezium.
 */
package io.streamdr.connect;
