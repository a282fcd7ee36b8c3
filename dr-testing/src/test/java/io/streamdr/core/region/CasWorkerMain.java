package io.streamdr.core.region;

import io.streamdr.core.FencedException;
import java.nio.file.Path;

/** Child process: performs N successful read-then-compare-and-set increments on a file store. */
public final class CasWorkerMain {
  public static void main(String[] args) {
    FileActiveRegionStore store = new FileActiveRegionStore(Path.of(args[0]));
    int wanted = Integer.parseInt(args[1]);
    String name = args[2];
    System.out.println("READY");
    System.out.flush();
    int done = 0;
    while (done < wanted) {
      long epoch = store.read().map(ActiveRegion::epoch).orElse(0L);
      try {
        store.compareAndSet(epoch, name, "increment " + done);
        done++;
      } catch (FencedException e) {
        // lost a race with the other process: re-read and try again
      }
    }
    System.out.println("DONE");
  }
}
