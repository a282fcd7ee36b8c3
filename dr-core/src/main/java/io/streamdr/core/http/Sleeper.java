package io.streamdr.core.http;

import java.time.Duration;

/** Waits between retries. Injected so tests can record waits instead of spending them. */
@FunctionalInterface
public interface Sleeper {
  /** Sleeps with {@link Thread#sleep}. */
  Sleeper SYSTEM = d -> Thread.sleep(d.toMillis(), 0);

  void sleep(Duration duration) throws InterruptedException;
}
