/**
 * Flink adapters: the Flink REST and Confluent Cloud statement
 * {@link io.streamdr.core.savepoint.SavepointClient}s, a job health probe, and a scheduler that takes and prunes
 * savepoints.
 */
package io.streamdr.flink;
