package io.streamdr.core.region;

import io.streamdr.core.FencedException;
import java.util.function.Consumer;

/**
 * Which region clients should use now. Thread-safe.
 *
 * <p>The {@link #epoch()} increases on every switch and is a fencing token: {@link #failover} is a compare-and-set
 * on it, so of two routers racing to switch exactly one wins; the other gets a {@link FencedException} and follows
 * the winner.
 */
public interface RegionRouter {

  /** The region clients should use now. */
  Region active();

  /** The epoch of the current active region. */
  long epoch();

  /**
   * Makes {@code to} the active region. Idempotent: if {@code to} is already active, nothing changes and no listener
   * is called.
   *
   * @return the region active afterwards
   * @throws FencedException if another router switched first; this router then already follows the winner
   */
  Region failover(Region to, String reason);

  /** Registers a listener called, in the switching thread, after every switch. */
  Subscription onSwitch(Consumer<RegionSwitch> listener);
}
