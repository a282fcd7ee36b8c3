package io.streamdr.core;

/**
 * A compare-and-set on the active-region epoch lost: another router switched regions first. The caller should
 * follow the winner ({@link #currentRegion()} at {@link #currentEpoch()}) rather than retry blindly.
 */
public class FencedException extends DrException {
  private final long expectedEpoch;
  private final long currentEpoch;
  private final String currentRegion;

  public FencedException(long expectedEpoch, long currentEpoch, String currentRegion) {
    super(ResourceType.ACTIVE_REGION, currentRegion,
        "Active-region epoch moved from %d to %d (now %s): another router switched first; follow region '%s' or re-read the store before retrying"
            .formatted(expectedEpoch, currentEpoch, currentRegion, currentRegion),
        null, false);
    this.expectedEpoch = expectedEpoch;
    this.currentEpoch = currentEpoch;
    this.currentRegion = currentRegion;
  }

  public long expectedEpoch() {
    return expectedEpoch;
  }

  public long currentEpoch() {
    return currentEpoch;
  }

  /** The region the winner made active; null if the store is empty. */
  public String currentRegion() {
    return currentRegion;
  }
}
