package io.streamdr.core.region;

import io.streamdr.core.FencedException;
import java.util.Optional;

/**
 * Where the active region and its epoch are recorded, so that two routers (two processes) never both believe they
 * are active. The epoch is a fencing token: every switch is a compare-and-set on it.
 *
 * <p>Implementations are thread-safe and linearizable: of several concurrent {@link #compareAndSet} calls with the
 * same expected epoch, exactly one succeeds.
 */
public interface ActiveRegionStore {

  /** The current record, or empty if no region was ever made active. */
  Optional<ActiveRegion> read();

  /**
   * Makes {@code region} active if the current epoch is {@code expectedEpoch} (0 for an empty store).
   *
   * @return the new record, with epoch {@code expectedEpoch + 1}
   * @throws FencedException if the epoch is not {@code expectedEpoch}; it carries the current region and epoch
   */
  ActiveRegion compareAndSet(long expectedEpoch, String region, String reason);

  /** Records {@code region} as active at epoch 1 if the store is empty; returns what the store holds afterwards. */
  default ActiveRegion initialize(String region) {
    Optional<ActiveRegion> current = read();
    if (current.isPresent()) {
      return current.get();
    }
    try {
      return compareAndSet(0, region, "initial");
    } catch (FencedException e) {
      return read().orElseThrow(() -> e);
    }
  }
}
