package io.streamdr.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The schedule's rules with an injected clock: one run per slot, a missed slot caught up once, racing agents. */
class JobSchedulerTest {
  private static final Instant MIDNIGHT = Instant.parse("2026-12-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(MIDNIGHT);
  private final InMemoryBackupTarget target = new InMemoryBackupTarget();
  private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

  private JobScheduler.Job job(String name, String cron) {
    return new JobScheduler.Job(name, "backup", CronSchedule.parse(cron), Duration.ofHours(1), slot -> {
      ran.add(name + "@" + slot.stamp());
      return "ok";
    });
  }

  private JobScheduler scheduler(String owner, JobScheduler.Job... jobs) {
    return new JobScheduler(List.of(jobs), target, owner, clock, run -> { });
  }

  /** Ticks every {@code step} until {@code until}, as the agent does every second. */
  private void tick(JobScheduler s, Duration step, Instant until) {
    while (clock.instant().isBefore(until)) {
      s.runDue();
      clock.advance(step);
    }
  }

  @Test
  void a_day_of_six_hourly_incrementals_and_a_daily_full_runs_each_slot_once() {
    JobScheduler s = scheduler("a", job("incremental", "0 0,6,12,18 * * *"), job("full", "0 2 * * *"));

    tick(s, Duration.ofMinutes(7), MIDNIGHT.plus(Duration.ofDays(1)));

    assertThat(ran).containsExactly("incremental@20261201T0000Z", "full@20261201T0200Z", "incremental@20261201T0600Z",
        "incremental@20261201T1200Z", "incremental@20261201T1800Z");
  }

  @Test
  void a_slot_missed_while_no_agent_ran_is_run_once_at_start_and_older_ones_are_not_repeated() {
    JobScheduler first = scheduler("a", job("incremental", "0 0,6,12,18 * * *"), job("full", "0 2 * * *"));
    tick(first, Duration.ofMinutes(10), MIDNIGHT.plus(Duration.ofHours(1)));
    // down from 01:00 to 07:30: the 02:00 full and the 06:00 incremental are missed
    clock.set(MIDNIGHT.plus(Duration.ofMinutes(450)));
    JobScheduler restarted = scheduler("a", job("incremental", "0 0,6,12,18 * * *"), job("full", "0 2 * * *"));

    tick(restarted, Duration.ofMinutes(10), MIDNIGHT.plus(Duration.ofHours(11)));

    assertThat(ran).containsExactly("incremental@20261201T0000Z", "incremental@20261201T0600Z", "full@20261201T0200Z");
  }

  @Test
  void a_job_owes_nothing_for_slots_before_any_agent_knew_it() {
    clock.set(Instant.parse("2026-12-01T03:00:00Z"));
    JobScheduler s = scheduler("a", job("full", "0 2 * * *"));

    tick(s, Duration.ofMinutes(10), Instant.parse("2026-12-01T23:00:00Z"));
    assertThat(ran).isEmpty();
    tick(s, Duration.ofMinutes(10), Instant.parse("2026-12-02T03:00:00Z"));
    assertThat(ran).containsExactly("full@20261202T0200Z");
  }

  @Test
  void of_two_agents_ticking_at_once_only_one_runs_each_slot() throws Exception {
    JobScheduler a = scheduler("agent-a", job("incremental", "0 0,6,12,18 * * *"), job("full", "0 2 * * *"));
    JobScheduler b = scheduler("agent-b", job("incremental", "0 0,6,12,18 * * *"), job("full", "0 2 * * *"));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      while (clock.instant().isBefore(MIDNIGHT.plus(Duration.ofDays(1)))) {
        CountDownLatch go = new CountDownLatch(1);
        Future<?> fa = pool.submit(() -> {
          go.await();
          return a.runDue();
        });
        Future<?> fb = pool.submit(() -> {
          go.await();
          return b.runDue();
        });
        go.countDown();
        fa.get(10, TimeUnit.SECONDS);
        fb.get(10, TimeUnit.SECONDS);
        clock.advance(Duration.ofMinutes(15));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(ran).containsExactlyInAnyOrder("incremental@20261201T0000Z", "full@20261201T0200Z", "incremental@20261201T0600Z",
        "incremental@20261201T1200Z", "incremental@20261201T1800Z");
  }

  @Test
  void a_slot_whose_agent_died_is_taken_over_once_its_lease_expired() {
    clock.set(Instant.parse("2026-12-01T01:59:00Z"));
    JobScheduler b = scheduler("agent-b", job("full", "0 2 * * *"));
    b.runDue(); // the job becomes known before its slot
    clock.set(Instant.parse("2026-12-01T02:00:05Z"));
    // agent-a claimed the 02:00 slot and died without recording it done
    target.createIfAbsent(BackupKey.of("agent", "jobs", "full", "runs", "20261201T0200Z", "attempt-1.json"),
        "{\"owner\":\"agent-a\",\"claimedAt\":\"2026-12-01T02:00:00Z\",\"expiresAt\":\"2026-12-01T03:00:00Z\"}".getBytes(StandardCharsets.UTF_8));

    tick(b, Duration.ofMinutes(10), Instant.parse("2026-12-01T02:59:00Z"));
    assertThat(ran).as("the lease is live until 03:00").isEmpty();
    tick(b, Duration.ofMinutes(10), Instant.parse("2026-12-01T04:00:00Z"));

    assertThat(ran).containsExactly("full@20261201T0200Z");
    assertThat(b.lastRun("full")).hasValueSatisfying(r -> {
      assertThat(r).containsEntry("slot", "20261201T0200Z").containsEntry("owner", "agent-b").containsEntry("attempt", "2")
          .containsEntry("outcome", "ok");
    });
  }

  @Test
  void a_failed_run_is_recorded_and_the_next_slot_tries_again() {
    List<JobScheduler.Run> runs = new ArrayList<>();
    int[] calls = {0};
    JobScheduler.Job flaky = new JobScheduler.Job("full", "backup", CronSchedule.parse("0 2 * * *"), Duration.ofHours(1), slot -> {
      if (calls[0]++ == 0) {
        throw new IllegalStateException("Cannot reach the Kafka cluster of us-east-1 at east:9092");
      }
      return "ok";
    });
    JobScheduler s = new JobScheduler(List.of(flaky), target, "a", clock, runs::add);

    tick(s, Duration.ofMinutes(30), MIDNIGHT.plus(Duration.ofDays(2)));

    assertThat(runs).extracting(JobScheduler.Run::ok).containsExactly(false, true);
    assertThat(runs.get(0).detail()).contains("us-east-1");
  }

  @Test
  void a_cron_expression_error_says_how_to_write_one() {
    assertThat(CronSchedule.problem("0 2 * *")).hasValueSatisfying(p -> assertThat(p).contains("minute hour day-of-month month day-of-week")
        .contains("UTC"));
    assertThat(CronSchedule.problem("0 2 * * *")).isEmpty();
  }
}
