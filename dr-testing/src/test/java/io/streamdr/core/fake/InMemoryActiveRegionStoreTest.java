package io.streamdr.core.fake;

import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.testing.ActiveRegionStoreContract;

class InMemoryActiveRegionStoreTest extends ActiveRegionStoreContract {
  @Override
  protected ActiveRegionStore newStore() {
    return new InMemoryActiveRegionStore();
  }

  @Override
  protected ActiveRegionStore sameState(ActiveRegionStore store) {
    return store; // in one JVM, sharing state means sharing the instance
  }
}
