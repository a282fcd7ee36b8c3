/**
 * Flink savepoints and checkpoints as a runbook needs them: the {@link io.streamdr.core.savepoint.SavepointClient}
 * interface (trigger, await, list, stop with savepoint, start from one) and its value types. The Flink REST and
 * Confluent Cloud implementations are in {@code dr-flink}.
 */
package io.streamdr.core.savepoint;
