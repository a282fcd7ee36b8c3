package io.streamdr.flink;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.DrException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes savepoints of a job periodically (the DR guide's every 6 hours by default) and keeps a retention of at most
 * {@code maxCount} savepoints no older than {@code maxAge}. Retention never deletes the newest completed savepoint,
 * and forgets a savepoint only after its disposal succeeded (a failed disposal is retried at the next run).
 * Optionally copies each savepoint directory (for {@code file:} locations) into a {@link BackupTarget}, under
 * {@code savepoints/<job>/<directory>/}; a disposed savepoint's copy is deleted with it.
 *
 * <p>A savepoint that fails is recorded and reported; nothing falls back to an older checkpoint. Runs on the
 * injected executor; {@link #runOnce()} can be called directly. Thread-safe.
 */
public final class SavepointScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SavepointScheduler.class);

  /** Deletes a savepoint's data, e.g. {@code sp -> flink.dispose(sp.location().orElseThrow(), timeout)}. */
  @FunctionalInterface
  public interface Disposer {
    void dispose(Savepoint savepoint);
  }

  /** The outcome of one run. */
  public record Run(Instant at, Optional<Savepoint> taken, Optional<String> failure, List<Savepoint> disposed,
      List<String> disposalFailures) {}

  private final SavepointClient client;
  private final Supplier<JobRef> job;
  private final SavepointOptions template;
  private final Duration interval;
  private final int maxCount;
  private final Duration maxAge;
  private final Duration awaitTimeout;
  private final Disposer disposer;
  private final BackupTarget copyTo;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final List<Savepoint> kept = new ArrayList<>();
  private final List<Run> history = new ArrayList<>();
  private ScheduledFuture<?> scheduled;

  private SavepointScheduler(Builder b) {
    this.client = b.client;
    this.job = b.job;
    this.template = b.template;
    this.interval = b.interval;
    this.maxCount = b.maxCount;
    this.maxAge = b.maxAge;
    this.awaitTimeout = b.awaitTimeout;
    this.disposer = b.disposer;
    this.copyTo = b.copyTo;
    this.clock = b.clock;
    this.executor = b.executor;
  }

  /**
   * @param client   where savepoints are taken
   * @param job      the job to savepoint; a supplier, because a restored job gets a new id
   * @param disposer how to delete a savepoint that retention drops
   */
  public static Builder builder(SavepointClient client, Supplier<JobRef> job, Disposer disposer) {
    return new Builder(client, job, disposer);
  }

  /** Schedules {@link #runOnce()} every interval on the executor, the first run after one interval. */
  public synchronized void start() {
    Checks.requireNonNull(executor, "executor (set one with Builder.executor to start the scheduler)");
    if (scheduled == null) {
      scheduled = executor.scheduleWithFixedDelay(this::runSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void runSafely() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      LOG.error("Savepoint run failed unexpectedly", e);
    }
  }

  /** Takes one savepoint, then applies retention. Never throws for a failed savepoint: see {@link Run#failure()}. */
  public synchronized Run runOnce() {
    Instant at = clock.instant();
    Optional<Savepoint> taken = Optional.empty();
    Optional<String> failure = Optional.empty();
    JobRef target = job.get();
    try {
      Savepoint sp = client.take(target, template.toBuilder().triggerId(null).build(), awaitTimeout);
      taken = Optional.of(sp);
      kept.add(sp);
      if (copyTo != null) {
        copy(sp);
      }
      LOG.info("Savepoint {} of job {} at {}", sp.id(), target, sp.location().orElse("?"));
    } catch (DrException e) {
      failure = Optional.of(e.getMessage());
      LOG.warn("Scheduled savepoint of job {} failed; keeping the previous ones: {}", target, e.getMessage());
    }
    List<Savepoint> disposed = new ArrayList<>();
    List<String> disposalFailures = new ArrayList<>();
    for (Savepoint sp : expired(at)) {
      try {
        disposer.dispose(sp);
        if (copyTo != null) {
          removeCopy(sp);
        }
        kept.remove(sp);
        disposed.add(sp);
      } catch (RuntimeException e) {
        disposalFailures.add(sp.id() + ": " + e.getMessage());
        LOG.warn("Disposal of savepoint {} failed; it stays in the catalog and is retried next run: {}", sp.id(), e.getMessage());
      }
    }
    Run run = new Run(at, taken, failure, disposed, disposalFailures);
    history.add(run);
    return run;
  }

  /** Savepoints retention drops: beyond maxCount or older than maxAge, never the newest. */
  private List<Savepoint> expired(Instant now) {
    List<Savepoint> byAge = new ArrayList<>(kept);
    byAge.sort(Comparator.comparing((Savepoint s) -> s.completedAt().orElse(s.triggeredAt())).reversed());
    List<Savepoint> out = new ArrayList<>();
    for (int i = 1; i < byAge.size(); i++) { // index 0, the newest, is always kept
      Savepoint sp = byAge.get(i);
      boolean tooMany = i >= maxCount;
      boolean tooOld = sp.completedAt().orElse(sp.triggeredAt()).isBefore(now.minus(maxAge));
      if (tooMany || tooOld) {
        out.add(sp);
      }
    }
    return out;
  }

  /** The prefix of a savepoint's copy in the backup target, if its location is a {@code file:} directory. */
  private static Optional<String> copyPrefix(Savepoint sp) {
    URI uri = URI.create(sp.location().orElseThrow());
    if (!"file".equals(uri.getScheme())) {
      return Optional.empty();
    }
    return Optional.of(BackupKey.of("savepoints", sp.job().id(), Path.of(uri).getFileName().toString()).value() + "/");
  }

  /** Deletes the copy of a disposed savepoint, so the backups keep what retention keeps. */
  private void removeCopy(Savepoint sp) {
    copyPrefix(sp).ifPresent(prefix -> copyTo.list(prefix).forEach(o -> copyTo.delete(o.key())));
  }

  private void copy(Savepoint sp) {
    String location = sp.location().orElseThrow();
    URI uri = URI.create(location);
    if (!"file".equals(uri.getScheme())) {
      LOG.warn("Savepoint {} is at {}; only file: locations are copied to the backup target", sp.id(), location);
      return;
    }
    Path dir = Path.of(uri);
    String jobId = sp.job().id();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        BackupKey key = BackupKey.of("savepoints", jobId, dir.getFileName().toString(),
            dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/"));
        copyTo.write(key, out -> {
          try (InputStream in = Files.newInputStream(f)) {
            in.transferTo(out);
          }
        });
      }
    } catch (IOException e) {
      throw new BackupIoException(location, "copy savepoint", e);
    }
  }

  /** Savepoints currently retained, newest first. */
  public synchronized List<Savepoint> catalog() {
    List<Savepoint> out = new ArrayList<>(kept);
    out.sort(Comparator.comparing((Savepoint s) -> s.completedAt().orElse(s.triggeredAt())).reversed());
    return out;
  }

  /** Every run so far, oldest first. */
  public synchronized List<Run> history() {
    return List.copyOf(history);
  }

  @Override
  public synchronized void close() {
    if (scheduled != null) {
      scheduled.cancel(false);
    }
  }

  /** Builder for {@link SavepointScheduler}. */
  public static final class Builder {
    private final SavepointClient client;
    private final Supplier<JobRef> job;
    private final Disposer disposer;
    private SavepointOptions template = SavepointOptions.defaults();
    private Duration interval = Duration.ofHours(6);
    private int maxCount = 28;
    private Duration maxAge = Duration.ofDays(7);
    private Duration awaitTimeout = Duration.ofMinutes(30);
    private BackupTarget copyTo;
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService executor;

    private Builder(SavepointClient client, Supplier<JobRef> job, Disposer disposer) {
      this.client = Checks.requireNonNull(client, "client");
      this.job = Checks.requireNonNull(job, "job");
      this.disposer = Checks.requireNonNull(disposer, "disposer");
    }

    /** Options of each savepoint (directory, format); each run gets a fresh trigger id. */
    public Builder options(SavepointOptions template) {
      this.template = Checks.requireNonNull(template, "options");
      return this;
    }

    public Builder interval(Duration interval) {
      this.interval = Checks.requirePositive(interval, "interval");
      return this;
    }

    /** Keep at most this many savepoints (at least 1; default 28, a week at 6-hourly). */
    public Builder maxCount(int maxCount) {
      if (maxCount < 1) {
        throw new InvalidRequestException("maxCount must be at least 1, was " + maxCount);
      }
      this.maxCount = maxCount;
      return this;
    }

    /** Drop savepoints older than this (default 7 days), except the newest. */
    public Builder maxAge(Duration maxAge) {
      this.maxAge = Checks.requirePositive(maxAge, "maxAge");
      return this;
    }

    public Builder awaitTimeout(Duration timeout) {
      this.awaitTimeout = Checks.requirePositive(timeout, "awaitTimeout");
      return this;
    }

    /** Copy each savepoint directory ({@code file:} locations) here, under {@code savepoints/<job>/<dir>/}. */
    public Builder copyTo(BackupTarget target) {
      this.copyTo = target;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public Builder executor(ScheduledExecutorService executor) {
      this.executor = executor;
      return this;
    }

    public SavepointScheduler build() {
      return new SavepointScheduler(this);
    }
  }
}
