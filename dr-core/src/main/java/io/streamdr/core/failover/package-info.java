/**
 * Automated failover: the {@link io.streamdr.core.failover.FailoverMonitor} watches health probes against a
 * {@link io.streamdr.core.failover.FailoverPolicy} and, when a trigger holds past its threshold, switches the active
 * region once and raises alerts. A condition that clears before its threshold is a blip and is forgotten; a switch
 * made first by another router is followed, not repeated.
 */
package io.streamdr.core.failover;
