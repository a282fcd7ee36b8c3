package io.streamdr.core.fake;

import io.streamdr.core.FencedException;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import java.time.Clock;
import java.util.Optional;

/** An {@link ActiveRegionStore} in this JVM's memory: for one process, tests and demos. Thread-safe. */
public final class InMemoryActiveRegionStore implements ActiveRegionStore {
  private final Clock clock;
  private ActiveRegion current;

  public InMemoryActiveRegionStore() {
    this(Clock.systemUTC());
  }

  public InMemoryActiveRegionStore(Clock clock) {
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized Optional<ActiveRegion> read() {
    return Optional.ofNullable(current);
  }

  @Override
  public synchronized ActiveRegion compareAndSet(long expectedEpoch, String region, String reason) {
    long epoch = current == null ? 0 : current.epoch();
    if (epoch != expectedEpoch) {
      throw new FencedException(expectedEpoch, epoch, current == null ? null : current.region());
    }
    current = new ActiveRegion(region, epoch + 1, reason, clock.instant());
    return current;
  }
}
