package io.streamdr.core.progress;

import io.streamdr.core.internal.Checks;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters an operation keeps for its {@link ProgressListener}: safe to update from many threads, reporting at
 * most every {@code every} (a compare-and-set on the time of the last report, so one thread reports) and once at
 * {@link #finish()}. A listener that throws is ignored from then on, never failing the operation.
 */
public final class ProgressTracker {
  private final String operation;
  private final String id;
  private final ProgressListener listener;
  private final long totalRecords;
  private final int partitions;
  private final long everyNanos;
  private final long started = System.nanoTime();
  private final LongAdder records = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final AtomicInteger partitionsDone = new AtomicInteger();
  private final AtomicLong lastReport = new AtomicLong(started);
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile boolean broken;

  public ProgressTracker(String operation, String id, ProgressListener listener, long totalRecords, int partitions, Duration every) {
    this.operation = Checks.requireNonBlank(operation, "operation");
    this.id = id == null ? "" : id;
    this.listener = listener == null ? ProgressListener.NONE : listener;
    this.totalRecords = totalRecords;
    this.partitions = partitions;
    this.everyNanos = every.toNanos();
  }

  /** Reports every 250 ms. */
  public ProgressTracker(String operation, String id, ProgressListener listener, long totalRecords, int partitions) {
    this(operation, id, listener, totalRecords, partitions, Duration.ofMillis(250));
  }

  /** Counts records and their bytes; reports if the last report is old enough. */
  public void add(long records, long bytes) {
    this.records.add(records);
    this.bytes.add(bytes);
    maybeReport();
  }

  /** Counts one partition finished. */
  public void partitionDone() {
    partitionsDone.incrementAndGet();
    maybeReport();
  }

  /** Reports a last time, with {@code done} set; later calls do nothing. */
  public void finish() {
    if (finished.compareAndSet(false, true)) {
      report(true);
    }
  }

  /** What the counters say now. */
  public Progress now() {
    return snapshot(finished.get());
  }

  private void maybeReport() {
    if (listener == ProgressListener.NONE || broken || finished.get()) {
      return;
    }
    long now = System.nanoTime();
    long last = lastReport.get();
    if (now - last >= everyNanos && lastReport.compareAndSet(last, now)) {
      report(false);
    }
  }

  private Progress snapshot(boolean done) {
    return new Progress(operation, id, records.sum(), totalRecords, bytes.sum(), partitionsDone.get(), partitions,
        Duration.ofNanos(System.nanoTime() - started), done);
  }

  private void report(boolean done) {
    if (broken || listener == ProgressListener.NONE) {
      return;
    }
    try {
      listener.onProgress(snapshot(done));
    } catch (RuntimeException e) {
      broken = true; // a listener's bug must not fail a backup
    }
  }
}
