package io.streamdr.core.region;

/** A registered listener; closing it unregisters the listener. Idempotent. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
