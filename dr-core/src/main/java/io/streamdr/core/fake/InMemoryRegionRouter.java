package io.streamdr.core.fake;

import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.region.RegionSwitch;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.region.Subscription;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link RegionRouter} for tests: the real {@link DefaultRegionRouter} logic over an in-memory store, plus
 * controls to make the next failover fail ({@link #failNextFailover}) and to simulate another process winning a
 * switch ({@link #switchElsewhere}). Records every switch it observed. Thread-safe.
 */
public final class InMemoryRegionRouter implements RegionRouter {
  private final ActiveRegionStore store;
  private final DefaultRegionRouter router;
  private final List<RegionSwitch> history = new ArrayList<>();
  private String failNext;

  public InMemoryRegionRouter(RegionTopology topology) {
    this(topology, Clock.systemUTC());
  }

  public InMemoryRegionRouter(RegionTopology topology, Clock clock) {
    this(topology, new InMemoryActiveRegionStore(clock), clock);
  }

  /** A router over a given store, e.g. one shared with another router to simulate two processes. */
  public InMemoryRegionRouter(RegionTopology topology, ActiveRegionStore store, Clock clock) {
    this.store = store;
    this.router = new DefaultRegionRouter(topology, store, clock);
    router.onSwitch(s -> {
      synchronized (history) {
        history.add(s);
      }
    });
  }

  /** The store behind the router, to share with another router in the same test. */
  public ActiveRegionStore store() {
    return store;
  }

  @Override
  public Region active() {
    return router.active();
  }

  @Override
  public long epoch() {
    return router.epoch();
  }

  @Override
  public Region failover(Region to, String reason) {
    synchronized (this) {
      if (failNext != null) {
        String message = failNext;
        failNext = null;
        throw new RemoteServiceException("PUT", "memory://active-region", 503, "",
            "Active-region store unavailable: " + message, null, true);
      }
    }
    return router.failover(to, reason);
  }

  /** Fails back to the primary region. */
  public Region failback(String reason) {
    return failover(router.topology().primaryRegion(), reason);
  }

  @Override
  public Subscription onSwitch(Consumer<RegionSwitch> listener) {
    return router.onSwitch(listener);
  }

  /** The next {@link #failover} fails as if the store were unreachable; nothing changes. */
  public synchronized void failNextFailover(String message) {
    this.failNext = Checks.requireNonBlank(message, "message");
  }

  /** Another router (process) switches to {@code to}; this router learns of it at its next {@link #refresh()}. */
  public void switchElsewhere(Region to, String reason) {
    store.compareAndSet(store.read().orElseThrow().epoch(), to.name(), reason);
  }

  /** Re-reads the store, notifying listeners of switches made elsewhere. */
  public Region refresh() {
    return router.refresh();
  }

  /** Every switch this router observed, oldest first. */
  public List<RegionSwitch> switches() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }
}
