package io.streamdr.core.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.SavepointFailedException;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointHandle;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.testing.SavepointClientContract;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemorySavepointClientTest extends SavepointClientContract {
  private final InMemorySavepointClient client = new InMemorySavepointClient();

  @Override
  protected SavepointClient client() {
    return client;
  }

  @Override
  protected JobRef runningJob() {
    return client.startJob("routing");
  }

  @Override
  protected JobSpec specFor(JobRef job) {
    return JobSpec.builder("routing").build();
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(5);
  }

  @Test
  void a_held_savepoint_is_in_progress_until_released_and_await_times_out_meanwhile() throws Exception {
    JobRef job = client.startJob("j");
    client.holdSavepoints();
    SavepointHandle h = client.trigger(job, SavepointOptions.defaults());
    assertThatThrownBy(() -> client.await(h, Duration.ofMillis(50)))
        .isInstanceOf(DrTimeoutException.class).hasMessageContaining("IN_PROGRESS");
    CompletableFuture<Savepoint> waiting = CompletableFuture.supplyAsync(() -> client.await(h, Duration.ofSeconds(30)));
    client.releaseSavepoints();
    assertThat(waiting.get(30, TimeUnit.SECONDS).completed()).isTrue();
  }

  @Test
  void a_failed_savepoint_is_reported_with_its_cause_and_never_replaced() {
    JobRef job = client.startJob("j");
    client.failNextTrigger("checkpoint coordinator is shut down");
    SavepointHandle h = client.trigger(job, SavepointOptions.defaults());
    assertThatThrownBy(() -> client.await(h, Duration.ofSeconds(1)))
        .isInstanceOf(SavepointFailedException.class)
        .hasMessageContaining("checkpoint coordinator is shut down").hasMessageContaining(job.id());
    assertThat(client.list(job)).isEmpty();
  }

  @Test
  void restore_records_the_savepoint_the_job_started_from() {
    JobRef job = client.startJob("j");
    Savepoint sp = client.take(job, SavepointOptions.defaults(), Duration.ofSeconds(1));
    JobRef restored = client.restore(JobSpec.builder("j").build(), sp);
    assertThat(client.restoredFrom(restored)).contains(sp);
    assertThat(client.triggerCount()).isEqualTo(1);
  }
}
