package io.streamdr.kafka.restore;

import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.OperationFailedException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/** The thread pools of a restore: daemon threads, and failures rethrown as the restore's own exceptions. */
final class Parallel {
  private Parallel() {}

  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** The result of {@code f}; its StreamDR exception, or another failure wrapped in one. */
  static <T> T getOrThrow(Future<T> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new OperationFailedException("Checking the backup or the target failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("restoring", e);
    }
  }
}
