package io.streamdr.core.region;

import io.streamdr.core.FencedException;
import io.streamdr.core.internal.Checks;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RegionRouter} over a {@link RegionTopology} and an {@link ActiveRegionStore}. Several routers (in several
 * processes) sharing one store agree on the active region: each switch is a compare-and-set on the store's epoch.
 *
 * <p>A router caches the store's record; {@link #refresh()} re-reads it and tells listeners about switches other
 * routers made. Thread-safe.
 *
 * <pre>{@code
 * var router = new DefaultRegionRouter(topology, new FileActiveRegionStore(Path.of("/var/lib/streamdr/active.json")));
 * router.onSwitch(s -> log.info("now on {}", s.to().name()));
 * router.failover(topology.region("us-west-2"), "us-east-1 unreachable for 2 minutes");
 * }</pre>
 */
public final class DefaultRegionRouter implements RegionRouter {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultRegionRouter.class);
  private final RegionTopology topology;
  private final ActiveRegionStore store;
  private final Clock clock;
  private final List<Consumer<RegionSwitch>> listeners = new CopyOnWriteArrayList<>();
  private ActiveRegion current;

  /** Uses the store's record, or records the topology's primary as active if the store is empty. */
  public DefaultRegionRouter(RegionTopology topology, ActiveRegionStore store) {
    this(topology, store, Clock.systemUTC());
  }

  public DefaultRegionRouter(RegionTopology topology, ActiveRegionStore store, Clock clock) {
    this.topology = Checks.requireNonNull(topology, "topology");
    this.store = Checks.requireNonNull(store, "store");
    this.clock = Checks.requireNonNull(clock, "clock");
    this.current = store.initialize(topology.primary());
    topology.region(current.region()); // a store naming an unknown region is a configuration error
  }

  public RegionTopology topology() {
    return topology;
  }

  @Override
  public synchronized Region active() {
    return topology.region(current.region());
  }

  @Override
  public synchronized long epoch() {
    return current.epoch();
  }

  /** The cached record: active region, epoch, reason and time of the last switch. */
  public synchronized ActiveRegion state() {
    return current;
  }

  @Override
  public Region failover(Region to, String reason) {
    Region target = topology.region(Checks.requireNonNull(to, "target region").name());
    RegionSwitch event;
    synchronized (this) {
      if (current.region().equals(target.name())) {
        return target;
      }
      Region from = active();
      ActiveRegion next;
      try {
        next = store.compareAndSet(current.epoch(), target.name(), reason);
      } catch (FencedException e) {
        LOG.warn("Failover to {} lost the race at epoch {}: {} is active at epoch {}", target.name(),
            e.expectedEpoch(), e.currentRegion(), e.currentEpoch());
        refresh();
        throw e;
      }
      current = next;
      event = new RegionSwitch(from, target, next.epoch(), reason, next.since(), true);
      LOG.info("Switched active region {} -> {} at epoch {}: {}", from.name(), target.name(), next.epoch(), reason);
    }
    notifyListeners(event);
    return target;
  }

  /** Fails back to the topology's primary region. */
  public Region failback(String reason) {
    return failover(topology.primaryRegion(), reason);
  }

  /**
   * Re-reads the store; if another router switched, adopts its record and notifies listeners.
   *
   * @return the active region afterwards
   */
  public Region refresh() {
    RegionSwitch event = null;
    synchronized (this) {
      ActiveRegion latest = store.read().orElse(current);
      if (latest.epoch() > current.epoch()) {
        Region from = active();
        current = latest;
        if (!from.name().equals(latest.region())) {
          event = new RegionSwitch(from, active(), latest.epoch(), latest.reason(), clock.instant(), false);
        }
      }
    }
    if (event != null) {
      notifyListeners(event);
    }
    return active();
  }

  private void notifyListeners(RegionSwitch event) {
    for (Consumer<RegionSwitch> listener : listeners) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        LOG.error("Region switch listener {} failed on switch to {}; other listeners still run", listener,
            event.to().name(), e);
      }
    }
  }

  @Override
  public Subscription onSwitch(Consumer<RegionSwitch> listener) {
    Checks.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
