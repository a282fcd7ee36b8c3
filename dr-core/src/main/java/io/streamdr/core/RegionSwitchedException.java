package io.streamdr.core;

/**
 * An operation was cut short because the active region switched under it: a record in flight to the region left
 * behind (with the region-aware producer's {@code InFlight.FAIL}), or a transaction begun there. Retryable: the same
 * operation goes to the new region when repeated.
 */
public class RegionSwitchedException extends DrException {
  public RegionSwitchedException(String fromRegion, String toRegion, String what, Throwable cause) {
    super(ResourceType.REGION, fromRegion, "%s in region '%s' was cut short by the switch to '%s'; repeat it: it now goes to '%s'"
        .formatted(what, fromRegion, toRegion, toRegion), cause, true);
  }
}
