package io.streamdr.cli;

import io.streamdr.core.runbook.RunbookReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The embedded two-region stack the {@code drill} and {@code demo} commands run on. It lives with the test
 * infrastructure it starts (streamdr-examples, the distribution's {@code lib/drill}), not on the operator classpath;
 * the commands find it with {@link ServiceLoader}.
 */
public interface EmbeddedStack {
  /** The drills that can run on the embedded stack, in the order they run: the region failure last, as it stops a whole cluster. */
  enum Drill {
    connector("connector failure"), flink("Flink job failure"), broker("single broker failure"), region("complete primary region failure");

    private final String title;

    Drill(String title) {
      this.title = title;
    }

    public String title() {
      return title;
    }
  }

  /** Starts the stack, runs {@code drills} in order on it, printing progress to {@code out}, and stops it. */
  List<RunbookReport> runDrills(List<Drill> drills, PrintWriter out) throws Exception;

  /** Starts the stack and shows one row of each event type reach both regions; true when every row arrived. */
  boolean runDemo(Duration timeout, PrintWriter out) throws Exception;

  /** The embedded stack on the classpath, if any. */
  static Optional<EmbeddedStack> find() {
    return ServiceLoader.load(EmbeddedStack.class).findFirst();
  }

  /** The stack, or an error saying how to get it and what runs without it. */
  static EmbeddedStack require(String command) {
    return find().orElseThrow(() -> new IllegalStateException("'streamdr " + command + "' runs on the embedded two-region"
        + " stack, whose libraries are not on this classpath. Run it from the distribution (bin/streamdr " + command
        + ", which adds lib/drill) or from a build (java -jar dr-examples/target/streamdr.jar " + command + "); against"
        + " your own clusters, run 'streamdr drill -c streamdr.yaml --topics ...'."));
  }
}
