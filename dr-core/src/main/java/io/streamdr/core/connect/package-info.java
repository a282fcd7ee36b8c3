/**
 * The Kafka Connect operations a runbook needs, over any Connect cluster: the
 * {@link io.streamdr.core.connect.ConnectorAdmin} interface (state, pause, stop, resume, restart, offsets) and the
 * value types it speaks. The REST and Confluent Cloud implementations are in {@code dr-connect}.
 */
package io.streamdr.core.connect;
