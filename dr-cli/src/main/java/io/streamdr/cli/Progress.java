package io.streamdr.cli;

import io.streamdr.core.progress.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of long work on standard error: on a terminal a line redrawn in place with the elapsed time, or, once the
 * work reports counts through {@link #counts()}, a progress bar with records, rate and time left (drawn by
 * me.tongfei:progressbar); elsewhere (pipes, CI logs) one line when it starts, a line with the counts every 10 s,
 * and one when it ends, so logs stay readable. Standard output stays free for the result.
 */
final class Progress implements AutoCloseable {
  private static final char[] SPIN = {'|', '/', '-', '\\'};
  private final PrintWriter err;
  private final String what;
  private final boolean interactive;
  private final long lineEveryNanos;
  private final long started = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private String outcome;
  private boolean succeeded;
  private int frame;
  private ProgressBar bar;
  private long lastLine = System.nanoTime();

  private Progress(PrintWriter err, String what, boolean interactive, Duration lineEvery) {
    this.err = err;
    this.what = what;
    this.interactive = interactive;
    this.lineEveryNanos = lineEvery.toNanos();
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
    return Verbosity.quiet() ? new Progress(null, what, false, LINE_EVERY) : spinner(err, what, System.console() != null);
  }

  /** The same, redrawn in place ({@code interactive}) or as start and end lines. */
  static Progress spinner(PrintWriter err, String what, boolean interactive) {
    return new Progress(err, what, interactive, LINE_EVERY);
  }

  /** The same, with counts printed every {@code lineEvery} when not interactive (tests). */
  static Progress spinner(PrintWriter err, String what, boolean interactive, Duration lineEvery) {
    return new Progress(err, what, interactive, lineEvery);
  }

  private static final Duration LINE_EVERY = Duration.ofSeconds(10);

  /** A listener for the library's progress reports, shown as a bar or as periodic lines. */
  ProgressListener counts() {
    return this::update;
  }

  private synchronized void update(io.streamdr.core.progress.Progress p) {
    if (err == null || p.done()) {
      return; // --quiet; the end is the last line's business
    }
    if (interactive) {
      if (bar == null && p.totalRecords() >= 0) {
        PrintWriter w = err;
        bar = new ProgressBarBuilder().setTaskName(what).setInitialMax(Math.max(1, p.totalRecords())).setUnit(" records", 1)
            .showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200)
            .setConsumer(new DelegatingProgressBarConsumer(line -> {
              w.print("\r" + line); // from the bar's own thread; PrintWriter locks itself, and close() waits for the bar
              w.flush();
            }, 120)).build();
      }
      if (bar != null) {
        bar.maxHint(Math.max(p.totalRecords(), p.records()));
        bar.stepTo(p.records());
        bar.setExtraMessage(mib(p.bytes()) + ", " + p.partitionsDone() + "/" + p.partitions() + " partitions");
      }
    } else if (System.nanoTime() - lastLine >= lineEveryNanos) {
      lastLine = System.nanoTime();
      err.println(what + ": " + describe(p));
      err.flush();
    }
  }

  /** {@code 120,000 of 300,000 records (40%), 12.3 MiB, 3/6 partitions, 25,000 records/s, about 7 s left}. */
  static String describe(io.streamdr.core.progress.Progress p) {
    StringBuilder b = new StringBuilder("%,d".formatted(p.records()));
    if (p.totalRecords() >= 0) {
      b.append(" of %,d".formatted(p.totalRecords()));
    }
    b.append(" records");
    p.fraction().ifPresent(f -> b.append(" (%.0f%%)".formatted(f * 100)));
    b.append(", ").append(mib(p.bytes())).append(", %d/%d partitions, %,.0f records/s".formatted(p.partitionsDone(), p.partitions(),
        p.recordsPerSecond()));
    p.remaining().ifPresent(d -> b.append(", about %d s left".formatted(Math.max(1, d.toSeconds()))));
    return b.toString();
  }

  private static String mib(long bytes) {
    return "%.1f MiB".formatted(bytes / 1048576.0);
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
    if (bar != null) {
      return; // the bar draws itself
    }
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
    }
    if (bar != null) {
      ProgressBar b = bar;
      bar = null;
      b.close(); // draws once more, then the last line replaces it
      err.print("\r" + " ".repeat(120));
    }
    if (ticker != null) {
      err.print("\r");
    }
    err.println((succeeded ? "✔ " : "✘ ") + status() + (outcome == null ? " did not finish" : ": " + outcome));
    err.flush();
  }
}
