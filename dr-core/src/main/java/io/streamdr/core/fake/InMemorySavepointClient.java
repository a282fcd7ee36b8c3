package io.streamdr.core.fake;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.SavepointFailedException;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointHandle;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.core.savepoint.SavepointState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A {@link SavepointClient} over in-memory jobs, with Flink's lifecycle: jobs are RUNNING, CANCELED, FINISHED or
 * FAILED; a savepoint goes IN_PROGRESS then COMPLETED or FAILED; triggering is idempotent per trigger id; a job that
 * is not RUNNING cannot be savepointed. Thread-safe.
 *
 * <p>By default a savepoint completes as soon as it is triggered. {@link #holdSavepoints()} keeps new ones
 * IN_PROGRESS until {@link #releaseSavepoints()}, so tests can observe the in-progress state and {@code await}
 * time-outs; {@link #failNextTrigger(String)} makes the next savepoint FAIL with a cause.
 */
public final class InMemorySavepointClient implements SavepointClient {
  /** States of a fake job. */
  public enum JobState { RUNNING, CANCELED, FINISHED, FAILED }

  private final Clock clock;
  private final String savepointRoot;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<JobRef, Job> jobs = new LinkedHashMap<>();
  private final Map<String, Savepoint> byTrigger = new HashMap<>();
  private boolean hold;
  private String failNext;
  private int triggers;

  private static final class Job {
    final String name;
    JobState state = JobState.RUNNING;
    final Optional<Savepoint> restoredFrom;

    Job(String name, Optional<Savepoint> restoredFrom) {
      this.name = name;
      this.restoredFrom = restoredFrom;
    }
  }

  public InMemorySavepointClient() {
    this(Clock.systemUTC());
  }

  public InMemorySavepointClient(Clock clock) {
    this.clock = Checks.requireNonNull(clock, "clock");
    this.savepointRoot = "memory://savepoints";
  }

  /** Starts a RUNNING job with that name and returns its reference. */
  public JobRef startJob(String name) {
    return locked(() -> {
      JobRef ref = new JobRef(UUID.randomUUID().toString().replace("-", ""));
      jobs.put(ref, new Job(name, Optional.empty()));
      return ref;
    });
  }

  /** The state of a job. */
  public JobState state(JobRef job) {
    return locked(() -> job(job).state);
  }

  /** The savepoint a job was restored from, if any. */
  public Optional<Savepoint> restoredFrom(JobRef job) {
    return locked(() -> job(job).restoredFrom);
  }

  /** Moves a job to another state, e.g. FAILED to simulate a crash. */
  public void setState(JobRef job, JobState state) {
    locked(() -> job(job).state = Checks.requireNonNull(state, "state"));
  }

  /** The next triggered savepoint fails with this cause. */
  public void failNextTrigger(String cause) {
    locked(() -> failNext = Checks.requireNonBlank(cause, "cause"));
  }

  /** New savepoints stay IN_PROGRESS until {@link #releaseSavepoints()}. */
  public void holdSavepoints() {
    locked(() -> hold = true);
  }

  /** Completes every held savepoint and stops holding new ones. */
  public void releaseSavepoints() {
    locked(() -> {
      hold = false;
      byTrigger.replaceAll((id, sp) -> sp.state() == SavepointState.IN_PROGRESS ? complete(sp) : sp);
      changed.signalAll();
      return null;
    });
  }

  /** How many distinct savepoints were triggered (retries with the same trigger id count once). */
  public int triggerCount() {
    return locked(() -> triggers);
  }

  @Override
  public SavepointHandle trigger(JobRef job, SavepointOptions options) {
    Checks.requireNonNull(options, "options");
    return locked(() -> {
      Job j = job(job);
      Savepoint existing = byTrigger.get(options.triggerId());
      if (existing != null && existing.job().equals(job)) {
        return new SavepointHandle(job, options.triggerId());
      }
      if (j.state != JobState.RUNNING) {
        throw new ConflictException(ResourceType.JOB, job.id(),
            "Job %s ('%s') is %s, not RUNNING; a savepoint needs a running job — restore it first".formatted(job, j.name, j.state));
      }
      triggers++;
      Savepoint sp = new Savepoint(job, options.triggerId(), Savepoint.Kind.SAVEPOINT, SavepointState.IN_PROGRESS,
          Optional.empty(), Optional.empty(), clock.instant(), Optional.empty());
      if (failNext != null) {
        sp = new Savepoint(job, sp.id(), sp.kind(), SavepointState.FAILED, Optional.empty(), Optional.of(failNext),
            sp.triggeredAt(), Optional.of(clock.instant()));
        failNext = null;
      } else if (!hold) {
        sp = complete(sp);
        if (options.cancelJob()) {
          j.state = JobState.CANCELED;
        }
      }
      byTrigger.put(options.triggerId(), sp);
      changed.signalAll();
      return new SavepointHandle(job, options.triggerId());
    });
  }

  private Savepoint complete(Savepoint sp) {
    String location = savepointRoot + "/" + sp.job().id() + "/savepoint-" + sp.id();
    return new Savepoint(sp.job(), sp.id(), sp.kind(), SavepointState.COMPLETED, Optional.of(location),
        Optional.empty(), sp.triggeredAt(), Optional.of(clock.instant()));
  }

  @Override
  public Savepoint await(SavepointHandle handle, Duration timeout) {
    Checks.requireNonNull(handle, "handle");
    long nanos = Checks.requirePositive(timeout, "timeout").toNanos();
    lock.lock();
    try {
      while (true) {
        Savepoint sp = byTrigger.get(handle.triggerId());
        if (sp == null || !sp.job().equals(handle.job())) {
          throw new NotFoundException(ResourceType.SAVEPOINT, handle.triggerId(),
              "No savepoint with trigger id %s for job %s; trigger one first".formatted(handle.triggerId(), handle.job()));
        }
        if (sp.state() == SavepointState.COMPLETED) {
          return sp;
        }
        if (sp.state() == SavepointState.FAILED) {
          throw new SavepointFailedException(sp.job(), sp.id(), sp.failureCause().orElse("unknown"));
        }
        if (nanos <= 0) {
          throw new DrTimeoutException(ResourceType.SAVEPOINT, handle.triggerId(), timeout,
              "Savepoint %s of job %s still IN_PROGRESS after %s; await again or check the job".formatted(
                  handle.triggerId(), handle.job(), timeout));
        }
        nanos = changed.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DrTimeoutException(ResourceType.SAVEPOINT, handle.triggerId(), timeout, "Interrupted while awaiting savepoint " + handle.triggerId());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Savepoint> list(JobRef job) {
    return locked(() -> {
      job(job);
      List<Savepoint> out = new ArrayList<>();
      for (Savepoint sp : byTrigger.values()) {
        if (sp.job().equals(job) && sp.completed()) {
          out.add(sp);
        }
      }
      out.sort(Comparator.comparing((Savepoint sp) -> sp.completedAt().orElseThrow()).reversed()
          .thenComparing(Savepoint::id, Comparator.reverseOrder()));
      return out;
    });
  }

  @Override
  public JobRef restore(JobSpec spec, Savepoint from) {
    Checks.requireNonNull(spec, "spec");
    Checks.requireNonNull(from, "savepoint");
    return locked(() -> {
      if (!from.completed() || from.location().isEmpty()) {
        throw new ConflictException(ResourceType.SAVEPOINT, from.id(),
            "Savepoint %s is %s, not COMPLETED; restore only from a completed savepoint".formatted(from.id(), from.state()));
      }
      Savepoint known = byTrigger.get(from.id());
      if (known == null || !known.location().equals(from.location())) {
        throw new NotFoundException(ResourceType.SAVEPOINT, from.location().get(),
            "Savepoint %s is unknown to this cluster; list savepoints with list(job)".formatted(from.location().get()));
      }
      JobRef ref = new JobRef(UUID.randomUUID().toString().replace("-", ""));
      jobs.put(ref, new Job(spec.name(), Optional.of(from)));
      return ref;
    });
  }

  private Job job(JobRef ref) {
    Checks.requireNonNull(ref, "job");
    Job j = jobs.get(ref);
    if (j == null) {
      throw new NotFoundException(ResourceType.JOB, ref.id(), "Job %s does not exist; known jobs: %s".formatted(ref, jobs.keySet()));
    }
    return j;
  }

  private <T> T locked(Supplier<T> body) {
    lock.lock();
    try {
      return body.get();
    } finally {
      lock.unlock();
    }
  }
}
