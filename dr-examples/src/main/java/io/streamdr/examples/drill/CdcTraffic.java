package io.streamdr.examples.drill;

import io.streamdr.testkit.EmbeddedRegionPair;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** Inserts business events into PostgreSQL at a steady rate on a background thread, for drills. */
final class CdcTraffic implements AutoCloseable {
  private static final String[] TYPES = {"loan", "service", "car"};
  private final EmbeddedRegionPair stack;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong inserted = new AtomicLong();
  private final Thread thread;

  CdcTraffic(EmbeddedRegionPair stack, long intervalMillis) {
    this.stack = stack;
    this.thread = new Thread(() -> {
      while (running.get()) {
        long n = inserted.get();
        try {
          stack.insertEvent(TYPES[(int) (n % 3)], (int) (n % 997), (n % 1000) + ".00");
          inserted.incrementAndGet();
        } catch (RuntimeException e) {
          // the database stays up in these drills; a failed insert is retried on the next tick
        }
        LockSupport.parkNanos(intervalMillis * 1_000_000);
      }
    }, "streamdr-drill-cdc-traffic");
    thread.setDaemon(true);
    thread.start();
  }

  long inserted() {
    return inserted.get();
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
