package io.streamdr.cli;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of long work on standard error: on a terminal a line redrawn in place with the elapsed time; elsewhere
 * (pipes, CI logs) one line when it starts and one when it ends, so logs stay readable. Standard output stays free
 * for the result.
 */
final class Progress implements AutoCloseable {
  private static final char[] SPIN = {'|', '/', '-', '\\'};
  private final PrintWriter err;
  private final String what;
  private final long started = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private String outcome;
  private boolean succeeded;
  private int frame;

  private Progress(PrintWriter err, String what, boolean interactive) {
    this.err = err;
    this.what = what;
    if (interactive) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "streamdr-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(this::redraw, 0, 200, TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
      if (err != null) {
        err.println(what + "...");
        err.flush();
      }
    }
  }

  /** A spinner and the elapsed time, then the outcome given to {@link #done}. */
  static Progress spinner(PrintWriter err, String what) {
    return Verbosity.quiet() ? new Progress(null, what, false) : spinner(err, what, System.console() != null);
  }

  /** The same, redrawn in place ({@code interactive}) or as start and end lines. */
  static Progress spinner(PrintWriter err, String what, boolean interactive) {
    return new Progress(err, what, interactive);
  }

  /** Records that the work succeeded and how, shown on the last line with a ✔. */
  void done(String outcome) {
    this.outcome = outcome;
    this.succeeded = true;
  }

  /** Records that the work ended but its check failed, shown on the last line with a ✘. */
  void failed(String outcome) {
    this.outcome = outcome;
    this.succeeded = false;
  }

  private synchronized void redraw() {
    err.print("\r" + SPIN[frame++ % SPIN.length] + " " + status() + "   ");
    err.flush();
  }

  private String status() {
    return what + " (" + "%.1f s".formatted((System.nanoTime() - started) / 1e9) + ")";
  }

  @Override
  public synchronized void close() {
    if (err == null) {
      return; // --quiet
    }
    if (ticker != null) {
      ticker.shutdownNow();
      err.print("\r");
    }
    err.println((succeeded ? "✔ " : "✘ ") + status() + (outcome == null ? " did not finish" : ": " + outcome));
    err.flush();
  }
}
