/**
 * Schema Registry in a recovery: {@link io.streamdr.kafka.schema.SchemaBackup} snapshots a registry's subjects,
 * versions and ids into a backup target and restores them elsewhere with the same ids;
 * {@link io.streamdr.kafka.schema.SchemaRegistryComparison} compares two registries subject by subject after a
 * recovery.
 */
package io.streamdr.kafka.schema;
