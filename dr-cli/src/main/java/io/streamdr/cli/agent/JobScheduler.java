package io.streamdr.cli.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scheduled jobs once per slot, across restarts and across agents sharing one backup target.
 *
 * <p>A job's slots are the times its cron expression names. At every {@link #runDue()} each job's newest slot at or
 * before now is run if nothing records it as done and the job was known by then; so a slot missed while every agent
 * was down (the 02:00 full backup of a machine rebooting at 01:55) is run once when an agent is back, older missed
 * slots are not run again, and a job added today owes nothing for yesterday.
 *
 * <p>Coordination lives in the backup target, beside the backups, under {@code agent/jobs/<job>/}: a run claims its
 * slot by {@link BackupTarget#createIfAbsent creating} a lease {@code runs/<slot>/attempt-<n>.json} that names its
 * owner and expiry, and records {@code runs/<slot>/done.json} when it ends (successfully or not). Of two agents only
 * the one whose lease was created runs the slot; if it dies, the next agent takes the slot over with attempt n + 1
 * once the lease expired. A run that failed is recorded, alerted and counted, and the next slot tries again.
 */
public final class JobScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(JobScheduler.class);
  private static final DateTimeFormatter SLOT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);

  /** The work of one job; its result is a line for the log and the record of the run. */
  @FunctionalInterface
  public interface Work {
    String run(Slot slot) throws Exception;
  }

  /** A job as the scheduler sees it. */
  public record Job(String name, String kind, CronSchedule schedule, Duration lease, Work work) {}

  /** One scheduled time of one job. */
  public record Slot(String job, Instant at) {
    /** The slot as text, in job ids and keys: {@code 20261201T0200Z}. */
    public String stamp() {
      return SLOT.format(at);
    }
  }

  /** What one run did. */
  public record Run(String job, String kind, Instant slot, String owner, int attempt, Instant startedAt, Instant finishedAt,
      boolean ok, String detail) {
    public Duration took() {
      return Duration.between(startedAt, finishedAt);
    }
  }

  /** Told of every run's end. */
  @FunctionalInterface
  public interface Listener {
    void finished(Run run);
  }

  private final List<Job> jobs;
  private final BackupTarget target;
  private final String owner;
  private final Clock clock;
  private final Listener listener;
  private final Map<String, Instant> knownSince = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile String current;
  /** Per job, the newest slot known to be done: asked of the target once, not every second (an S3 LIST each time). */
  private final Map<String, Instant> doneUpTo = new java.util.concurrent.ConcurrentHashMap<>();

  public JobScheduler(List<Job> jobs, BackupTarget target, String owner, Clock clock, Listener listener) {
    this.jobs = List.copyOf(jobs);
    this.target = target;
    this.owner = owner;
    this.clock = clock;
    this.listener = listener;
  }

  /** The job running now, if one is. */
  public Optional<String> running() {
    return Optional.ofNullable(current);
  }

  /** The jobs. */
  public List<Job> jobs() {
    return jobs;
  }

  /** Runs, one after another in this thread, every job whose newest slot is due; returns what ran. */
  public List<Run> runDue() {
    List<Run> ran = new ArrayList<>();
    for (Job job : jobs) {
      due(job).flatMap(slot -> claim(job, slot)).ifPresent(claim -> ran.add(run(job, claim)));
    }
    return ran;
  }

  /** The job's newest slot, if it is owed: at or after the job became known, and not recorded as done. */
  Optional<Slot> due(Job job) {
    Instant now = clock.instant();
    Instant since = knownSince.computeIfAbsent(job.name(), n -> knownSince(job, now));
    return job.schedule().latestAtOrBefore(now).filter(t -> !t.isBefore(since))
        .filter(t -> !t.equals(doneUpTo.get(job.name()))).map(t -> new Slot(job.name(), t))
        .filter(slot -> {
          if (target.exists(done(slot))) {
            doneUpTo.put(job.name(), slot.at());
            return false;
          }
          return true;
        });
  }

  /** When the job was first seen by any agent of this target; recorded on first sight. */
  private Instant knownSince(Job job, Instant now) {
    BackupKey key = BackupKey.of("agent", "jobs", job.name(), "known-since.json");
    // the minute it is first seen counts: a job added at 02:00:30 with "0 2 * * *" runs at once
    Instant minute = now.truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    target.createIfAbsent(key, json(Map.of("since", minute.toString(), "by", owner)));
    return Instant.parse(read(key).path("since").asText());
  }

  private record Claim(Slot slot, int attempt) {}

  /** Claims the slot with the first attempt whose lease is free; empty if a live lease holds it. */
  private Optional<Claim> claim(Job job, Slot slot) {
    Instant now = clock.instant();
    for (int attempt = 1; attempt <= 100; attempt++) {
      BackupKey lease = lease(slot, attempt);
      Map<String, String> body = new LinkedHashMap<>();
      body.put("owner", owner);
      body.put("claimedAt", now.toString());
      body.put("expiresAt", now.plus(job.lease()).toString());
      if (target.createIfAbsent(lease, json(body))) {
        return Optional.of(new Claim(slot, attempt));
      }
      JsonNode held = read(lease);
      if (Instant.parse(held.path("expiresAt").asText()).isAfter(now)) {
        LOG.debug("Job {} slot {} is held by {} until {}", job.name(), slot.stamp(), held.path("owner").asText(), held.path("expiresAt").asText());
        return Optional.empty();
      }
      LOG.warn("Job {}: the run of slot {} by {} did not finish before its lease expired at {}; taking it over", job.name(),
          slot.stamp(), held.path("owner").asText(), held.path("expiresAt").asText());
    }
    return Optional.empty();
  }

  private Run run(Job job, Claim claim) {
    Instant started = clock.instant();
    boolean catchUp = Duration.between(claim.slot().at(), started).compareTo(Duration.ofMinutes(1)) >= 0;
    LOG.info("Job {} ({}) for slot {}{} started", job.name(), job.kind(), claim.slot().at(), catchUp ? ", missed while no agent ran," : "");
    boolean ok;
    String detail;
    current = job.name();
    try {
      detail = job.work().run(claim.slot());
      ok = true;
    } catch (Exception e) {
      ok = false;
      detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    } finally {
      current = null;
    }
    Run run = new Run(job.name(), job.kind(), claim.slot().at(), owner, claim.attempt(), started, clock.instant(), ok, detail);
    Map<String, String> body = new LinkedHashMap<>();
    body.put("owner", owner);
    body.put("attempt", String.valueOf(run.attempt()));
    body.put("startedAt", run.startedAt().toString());
    body.put("finishedAt", run.finishedAt().toString());
    body.put("outcome", ok ? "ok" : "failed");
    body.put("detail", detail);
    target.put(done(claim.slot()), json(body));
    doneUpTo.put(job.name(), claim.slot().at());
    if (ok) {
      LOG.info("Job {} for slot {} done in {} ms: {}", job.name(), claim.slot().at(), run.took().toMillis(), detail);
    } else {
      LOG.error("Job {} for slot {} FAILED after {} ms: {}", job.name(), claim.slot().at(), run.took().toMillis(), detail);
    }
    listener.finished(run);
    return run;
  }

  /** The newest recorded run of a job, as its done record, with the slot under "slot". */
  public Optional<Map<String, String>> lastRun(String job) {
    List<BackupObject> done = target.list("agent/jobs/" + job + "/runs/").stream().filter(o -> o.key().value().endsWith("/done.json")).toList();
    if (done.isEmpty()) {
      return Optional.empty();
    }
    BackupKey key = done.get(done.size() - 1).key();
    Map<String, String> out = new LinkedHashMap<>();
    String[] parts = key.value().split("/");
    out.put("slot", parts[parts.length - 2]);
    read(key).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return Optional.of(out);
  }

  private static BackupKey done(Slot slot) {
    return BackupKey.of("agent", "jobs", slot.job(), "runs", slot.stamp(), "done.json");
  }

  private static BackupKey lease(Slot slot, int attempt) {
    return BackupKey.of("agent", "jobs", slot.job(), "runs", slot.stamp(), "attempt-" + attempt + ".json");
  }

  private JsonNode read(BackupKey key) {
    try {
      return Json.MAPPER.readTree(target.readAll(key));
    } catch (IOException e) {
      throw new IllegalStateException("Agent record %s is not JSON; delete it to let the job run again".formatted(key), e);
    }
  }

  private static byte[] json(Map<String, String> body) {
    try {
      return Json.MAPPER.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
