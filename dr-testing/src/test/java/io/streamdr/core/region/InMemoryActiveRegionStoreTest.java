package io.streamdr.core.region;

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
