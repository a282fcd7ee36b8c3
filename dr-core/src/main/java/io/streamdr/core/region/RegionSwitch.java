package io.streamdr.core.region;

import java.time.Instant;

/**
 * A change of the active region, delivered to {@link RegionRouter#onSwitch} listeners.
 *
 * @param from   the region that was active
 * @param to     the region now active
 * @param epoch  the epoch of the new state
 * @param reason why
 * @param at     when the switch was recorded
 * @param local  whether this router made the switch (false: it learned of another router's switch)
 */
public record RegionSwitch(Region from, Region to, long epoch, String reason, Instant at, boolean local) {}
