package io.streamdr.core.region;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.internal.Checks;
import java.time.Instant;

/**
 * What an {@link ActiveRegionStore} records: the active region, the epoch that made it active, why and when.
 *
 * @param region name of the active region
 * @param epoch  fencing token; increases by one on every switch, starting at 1
 * @param reason why this region became active
 * @param since  when it became active
 */
public record ActiveRegion(String region, long epoch, String reason, Instant since) {
  public ActiveRegion {
    Checks.requireNonBlank(region, "active region");
    if (epoch < 1) {
      throw new InvalidRequestException("Active-region epoch starts at 1, was " + epoch);
    }
    reason = reason == null ? "" : reason;
    Checks.requireNonNull(since, "since");
  }
}
