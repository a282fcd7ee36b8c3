package io.streamdr.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunbookTest {
  @Test
  void a_report_refuses_a_negative_recovery_point_naming_the_report() {
    RunbookReport r = Runbook.named("region failover").step(Step.of("x", Phase.EXECUTION, () -> "ok"))
        .run(RecoveryObjectives.defaults());
    assertThatThrownBy(() -> r.withRpo(Duration.ofMillis(-5023), 1)).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("region failover").hasMessageContaining("cannot be negative");
  }

  @Test
  void an_interrupted_wait_leaves_the_thread_interrupted_for_the_code_above() {
    io.streamdr.core.DrInterruptedException e = new io.streamdr.core.DrInterruptedException("waiting", new InterruptedException());
    assertThat(Thread.interrupted()).as("interrupt status set again, and cleared here").isTrue();
    assertThat(e).hasMessage("Interrupted while waiting");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void negative_retries_are_refused_naming_the_step() {
    Step step = Step.of("restart", Phase.EXECUTION, () -> "ok");
    assertThatThrownBy(() -> step.retries(-1)).isInstanceOf(InvalidRequestException.class)
        .hasMessage("retries of step 'restart' must not be negative, was -1");
  }

  @Test
  void steps_run_in_order_and_are_timed_per_phase() {
    List<String> ran = new ArrayList<>();
    RunbookReport r = Runbook.named("manual failover")
        .step(Step.of("verify secondary", Phase.EXECUTION, () -> { ran.add("verify"); return "healthy"; }))
        .step(Step.of("switch router", Phase.EXECUTION, () -> { ran.add("switch"); return "epoch 2"; }))
        .step(Step.of("verify data", Phase.VERIFICATION, () -> { ran.add("data"); return "PASSED"; }))
        .run(RecoveryObjectives.defaults());
    assertThat(ran).containsExactly("verify", "switch", "data");
    assertThat(r.succeeded()).isTrue();
    assertThat(r.phases()).containsKeys(Phase.EXECUTION, Phase.VERIFICATION);
    assertThat(r.objectivesMet()).isTrue();
  }

  @Test
  void the_failback_after_a_recovery_is_reported_but_not_counted_in_its_rto() {
    RunbookReport r = Runbook.named("region outage")
        .step(Step.of("switch router", Phase.EXECUTION, () -> "epoch 2"))
        .step(Step.of("switch back", Phase.FAILBACK, () -> "epoch 3"))
        .run(RecoveryObjectives.defaults()).withPhase(Phase.EXECUTION, Duration.ofSeconds(4)).withPhase(Phase.FAILBACK, Duration.ofMinutes(90));
    assertThat(r.rto()).isEqualTo(Duration.ofSeconds(4));
    assertThat(r.phases()).containsEntry(Phase.FAILBACK, Duration.ofMinutes(90));
    assertThat(r.objectivesMet()).as("a long failback does not miss the recovery's RTO of an hour").isTrue();
    assertThat(HtmlReport.render("drill", java.util.List.of(r))).contains("then FAILBACK 90.0 min (not part of the RTO)");
  }

  @Test
  void a_failing_step_is_retried_then_compensations_run_in_reverse_and_later_steps_are_skipped() {
    AtomicInteger attempts = new AtomicInteger();
    List<String> undone = new ArrayList<>();
    RunbookReport r = Runbook.named("connector failure")
        .step(Step.of("pause", Phase.EXECUTION, () -> "paused").compensation(() -> { undone.add("pause"); return "resumed"; }))
        .step(Step.of("stop", Phase.EXECUTION, () -> "stopped").compensation(() -> { undone.add("stop"); return "started"; }))
        .step(Step.of("alter offsets", Phase.EXECUTION, () -> {
          attempts.incrementAndGet();
          throw new IllegalStateException("offsets topic unavailable");
        }).retries(2))
        .step(Step.of("resume", Phase.EXECUTION, () -> "resumed"))
        .run(RecoveryObjectives.defaults());
    assertThat(attempts).hasValue(3);
    assertThat(undone).containsExactly("stop", "pause");
    assertThat(r.succeeded()).isFalse();
    assertThat(r.objectivesMet()).isFalse();
    // in the order things happened: the failure, its compensations, then the steps that were skipped
    assertThat(r.steps()).extracting(RunbookReport.StepResult::status).containsExactly(RunbookReport.Status.OK,
        RunbookReport.Status.OK, RunbookReport.Status.FAILED, RunbookReport.Status.COMPENSATED, RunbookReport.Status.COMPENSATED,
        RunbookReport.Status.SKIPPED);
    assertThat(r.steps().get(2).detail()).contains("offsets topic unavailable");
  }

  @Test
  void a_step_past_its_deadline_fails_without_waiting_for_it() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    RunbookReport r = Runbook.named("slow").step(Step.of("hang", Phase.EXECUTION, () -> {
      never.await();
      return "done";
    }).deadline(Duration.ofMillis(100))).run(RecoveryObjectives.defaults());
    assertThat(r.steps().get(0).status()).isEqualTo(RunbookReport.Status.FAILED);
    assertThat(r.steps().get(0).detail()).contains("deadline");
  }

  @Test
  void a_dry_run_executes_nothing_and_says_what_it_would_do() {
    AtomicInteger executed = new AtomicInteger();
    Runbook runbook = Runbook.named("failback")
        .step(Step.of("switch DNS", Phase.EXECUTION, () -> { executed.incrementAndGet(); return "x"; })
            .describedAs("UPSERT kafka.example.com to us-east-1"));
    RunbookReport r = runbook.dryRun(RecoveryObjectives.defaults());
    assertThat(executed).hasValue(0);
    assertThat(r.dryRun()).isTrue();
    assertThat(r.steps().get(0).detail()).isEqualTo("would UPSERT kafka.example.com to us-east-1");

    RunbookReport after = runbook.run(RecoveryObjectives.defaults());
    assertThat(after.dryRun()).as("the dry run left nothing set on the runbook").isFalse();
    assertThat(executed).hasValue(1);
  }

  @Test
  void step_details_never_carry_secrets_and_the_report_renders_as_json_text_and_html() {
    RunbookReport r = Runbook.named("leaky")
        .step(Step.of("call", Phase.EXECUTION, () -> "{\"password\":\"hunter2\"}"))
        .run(RecoveryObjectives.defaults()).withPhase(Phase.DETECTION, Duration.ofMinutes(6)).withRpo(Duration.ofSeconds(3), 12);
    assertThat(r.steps().get(0).detail()).doesNotContain("hunter2");
    assertThat(r.objectiveResults()).filteredOn(o -> o.objective().equals("Detection")).singleElement()
        .satisfies(o -> assertThat(o.met()).isFalse());
    assertThat(r.toJson()).contains("\"objectivesMet\" : false").contains("\"rpoRecords\" : 12").doesNotContain("hunter2");
    assertThat(r.toText()).contains("MISSED");
    assertThat(HtmlReport.render("t", List.of(r))).contains("<svg").contains("MISSED").doesNotContain("hunter2");
  }
}
