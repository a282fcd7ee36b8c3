/**
 * Opt-in Micrometer meters of the core parts (probes, the active region, failover decisions, alerts, drills).
 * Nothing is recorded unless an application creates {@link io.streamdr.core.metrics.StreamDrMeters} with its
 * registry; micrometer-core is an optional dependency. Tags take only bounded values, never keys, offsets or ids.
 */
package io.streamdr.core.metrics;
