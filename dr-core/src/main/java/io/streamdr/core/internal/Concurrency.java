package io.streamdr.core.internal;

import io.streamdr.core.DrException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.OperationFailedException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/** The thread pools of StreamDR's operations: daemon threads, and tasks' failures as StreamDR's own. Not part of the public API. */
public final class Concurrency {
  private Concurrency() {}

  /** Daemon threads named {@code name}: a pool left behind never keeps the JVM alive. */
  public static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The result of {@code task}: its {@link DrException} as it is, any other failure wrapped in one that says what
   * failed.
   *
   * @param what what the task does, e.g. "verifying a partition"
   */
  public static <T> T await(Future<T> task, String what) {
    try {
      return task.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof DrException d) {
        throw d;
      }
      throw new OperationFailedException(Character.toUpperCase(what.charAt(0)) + what.substring(1) + " failed: " + e.getCause(),
          e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException(what, e);
    }
  }
}
