/**
 * Health probes: one {@link io.streamdr.core.health.HealthProbe} interface over brokers, connectors, Flink jobs and
 * consumer lag, each answering a {@link io.streamdr.core.health.HealthSignal} that says what it measured. A probe
 * never throws: an unreachable component is a signal too.
 */
package io.streamdr.core.health;
