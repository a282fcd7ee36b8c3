/**
 * Schema Registry checks: the subjects, versions and ids of two registries compared after a recovery.
 */
package io.streamdr.kafka.schema;
