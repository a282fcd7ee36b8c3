/**
 * Which region is active, and how clients follow it: regions and their topology, the
 * {@link io.streamdr.core.region.RegionRouter} that switches, and the {@link io.streamdr.core.region.ActiveRegionStore}
 * that records each switch under an epoch so two routers can never both win.
 */
package io.streamdr.core.region;
